/** The number of the backward pass in progress (entries stamped with it have an adjoint). */
let pass = 0;

export function currentPass(): number {
  return pass;
}

export function nextPass(): number {
  return ++pass;
}
