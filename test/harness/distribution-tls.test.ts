import { X509Certificate } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { request } from 'node:https';
import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildImage, type BuiltImage } from '../support/oci-layout.js';
import { useDistribution } from '../support/registry-fixture.js';
import { pushImage, registryTarget, skopeoDigest, skopeoListTags } from '../support/skopeo.js';
import { makeTempDir, removeDir } from '../support/temp.js';

function getApiRoot(url: string, ca?: string): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const sent = request(`${url}/v2/`, { agent: false, ca }, (response) => {
      response.resume();
      resolve(response.statusCode);
    });
    sent.on('error', reject);
    sent.end();
  });
}

function servedCertificate(port: number, ca: string): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ca }, () => {
      const certificate = socket.getPeerX509Certificate();
      socket.end();
      if (certificate === undefined) reject(new Error('the registry sent no certificate'));
      else resolve(certificate);
    });
    socket.on('error', reject);
  });
}

describe('registry with TLS', () => {
  const registry = useDistribution({ tls: true });
  let layout: string;
  let image: BuiltImage;

  beforeAll(async () => {
    layout = await makeTempDir('tls-layout');
    image = await buildImage(layout, 'v1', { seed: 'tls' });
  });

  afterAll(async () => {
    await removeDir(layout);
  });

  it('serves HTTPS trusted through the test CA', async () => {
    expect(registry().url).toBe(`https://${registry().host}`);
    expect(await getApiRoot(registry().url, registry().caCert)).toBe(200);
  });

  it('fails TLS verification without the CA', async () => {
    await expect(getApiRoot(registry().url)).rejects.toThrow(/self[- ]signed|unable to (get|verify)/i);
  });

  it('serves a certificate for 127.0.0.1 and localhost', async () => {
    const certificate = await servedCertificate(registry().port, registry().caCert ?? '');

    expect(certificate.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(certificate.subjectAltName).toContain('DNS:localhost');
    expect(certificate.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(certificate.verify(new X509Certificate(registry().caCert ?? '').publicKey)).toBe(true);
  });

  it('keeps only the CA certificate in caDir', async () => {
    expect(await readdir(registry().caDir ?? '')).toEqual(['ca.crt']);
    expect(await readFile(registry().caFile ?? '', 'utf8')).toBe(registry().caCert);
  });

  it('round-trips an image through skopeo with the CA', async () => {
    expect(await pushImage(image, registry(), 'apps/tls:1')).toBe(image.digest);

    const target = registryTarget(registry());
    expect(target).toEqual({ tlsVerify: true, caDir: registry().caDir });
    expect(await skopeoDigest(`docker://${registry().host}/apps/tls:1`, target)).toBe(image.digest);
    expect(await skopeoListTags(`docker://${registry().host}/apps/tls`, target)).toEqual(['1']);
  });

  it('fails skopeo verification without the CA', async () => {
    await expect(skopeoListTags(`docker://${registry().host}/apps/tls`, { tlsVerify: true })).rejects.toThrow(
      /x509: certificate signed by unknown authority/,
    );
  });

  it('connects without verification when tlsVerify is false', async () => {
    await pushImage(image, registry(), 'apps/unverified:1');
    expect(await skopeoListTags(`docker://${registry().host}/apps/unverified`, { tlsVerify: false })).toEqual(['1']);
  });
});

describe('registry with TLS and htpasswd auth', () => {
  const registry = useDistribution({ tls: true, auth: 'htpasswd' });

  it('round-trips an image with credentials over HTTPS', async () => {
    const layout = await makeTempDir('tls-basic-layout');
    try {
      const image = await buildImage(layout, 'v1', { seed: 'tls-basic' });
      expect(await pushImage(image, registry(), 'apps/secure:1')).toBe(image.digest);
      expect(await skopeoDigest(`docker://${registry().host}/apps/secure:1`, registryTarget(registry()))).toBe(image.digest);
      await expect(skopeoListTags(`docker://${registry().host}/apps/secure`, { caDir: registry().caDir })).rejects.toThrow(
        /unauthorized|authentication required/i,
      );
    } finally {
      await removeDir(layout);
    }
  });
});
