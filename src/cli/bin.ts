import { main } from './main.js';

// A reader that goes away early (`tagkeeper publish ... | head -1`) must not
// crash a release half way: output stops, the command finishes its work and
// exits with its own code.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') {
      throw error;
    }
  });
}

main(process.argv).then((code) => {
  process.exitCode = code;
});
