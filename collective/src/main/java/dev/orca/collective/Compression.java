package dev.orca.collective;

/**
 * How a {@link RingAllReduce} encodes the floats it sends to its neighbour. The sums are always
 * computed in float; only what travels over the wire is narrowed, with round-to-nearest-even.
 *
 * <p>Every worker ends with bit-identical results in every mode: the worker that completes a
 * segment rounds its own copy the same way it rounds what it sends.
 */
public enum Compression {
  /** 4 bytes per float: exact. */
  NONE(4),
  /**
   * IEEE 754 half precision, 2 bytes per float (BigDL's default): 11 significant bits, largest
   * finite value 65504; larger partial sums become infinity, magnitudes below about 6e-8 flush
   * towards zero through the subnormals.
   */
  FP16(2),
  /** bfloat16, 2 bytes per float: the float exponent range with 8 significant bits. */
  BF16(2);

  private final int bytesPerFloat;

  Compression(int bytesPerFloat) {
    this.bytesPerFloat = bytesPerFloat;
  }

  /** Bytes one float takes on the wire. */
  public int bytesPerFloat() {
    return bytesPerFloat;
  }
}
