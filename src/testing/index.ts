/**
 * Test helpers for users of tagkeeper: an in-memory OCI registry server.
 *
 * @packageDocumentation
 */
export {};
