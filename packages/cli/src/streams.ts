/** Where a run of `ad` writes; tests and embedders may capture it. */
export interface Streams {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}
