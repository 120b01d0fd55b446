/**
 * The product cases the kernel tests share: a batch of products as gemmBatch takes it, element
 * (t, i, p) of A at a[aOffsets[t] + i·aRs + p·aCs] and of B likewise.
 */
export interface GemmCase {
  name: string;
  m: number;
  n: number;
  k: number;
  a: Float64Array;
  aOffsets: number[];
  aRs: number;
  aCs: number;
  b: Float64Array;
  bOffsets: number[];
  bRs: number;
  bCs: number;
}
