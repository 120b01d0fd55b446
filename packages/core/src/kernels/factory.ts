/** A generated function's factory: called with `Math` and the scope's values, returns the function. */
export type Factory = (...scope: never[]) => unknown;
