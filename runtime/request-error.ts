/** A request the runtime refuses: a 4xx naming the field at fault. The server keeps serving. */

/** A client error with the HTTP status and the offending field (`(body)` for the whole body). */
export class RequestError extends Error {
  override readonly name = 'RequestError';

  constructor(
    readonly status: number,
    readonly field: string,
    problem: string,
  ) {
    super(`${field}: ${problem}`);
  }
}

/** The client went away (disconnected, or sent a malformed body Node gave up on): no answer is possible or owed. */
export class ClientAbortedError extends Error {
  override readonly name = 'ClientAbortedError';
}
