package dev.orca.collective.internal;

/**
 * Conversions between float and the two 16-bit formats, IEEE 754 half (fp16) and bfloat16, with
 * round-to-nearest-even. Java 17 has no {@code Float.floatToFloat16}, so they are written here;
 * half to float goes through a table because that direction runs once per received element.
 */
public final class HalfFloat {
  /** float bits of every fp16 value, indexed by the 16-bit pattern. */
  private static final float[] HALF_TO_FLOAT = new float[1 << 16];

  static {
    for (int h = 0; h < HALF_TO_FLOAT.length; h++) {
      HALF_TO_FLOAT[h] = decodeHalf(h);
    }
  }

  private HalfFloat() {}

  /** The fp16 nearest to {@code f} (ties to even); overflow gives infinity, NaN stays NaN. */
  public static short toHalf(float f) {
    int bits = Float.floatToRawIntBits(f);
    int sign = (bits >>> 16) & 0x8000;
    int abs = bits & 0x7fff_ffff;
    if (abs >= 0x7f80_0000) {
      // infinity keeps its sign; NaN becomes a quiet NaN that keeps the top payload bits
      return (short) (abs == 0x7f80_0000 ? sign | 0x7c00 : sign | 0x7e00 | ((abs >>> 13) & 0x3ff));
    }
    if (abs >= 0x477f_f000) {
      return (short) (sign | 0x7c00); // at or above 65520, halfway past 65504: infinity
    }
    if (abs >= 0x3880_0000) {
      // normal: rebias the exponent (127 -> 15), then round off the 13 low mantissa bits;
      // a carry out of the mantissa correctly bumps the exponent
      int v = abs - 0x3800_0000;
      return (short) (sign | ((v + 0x0fff + ((v >>> 13) & 1)) >>> 13));
    }
    if (abs <= 0x3300_0000) {
      return (short) sign; // at most 2^-25, half of the smallest subnormal: ties to zero
    }
    // subnormal half: the value in units of 2^-24, rounded to nearest even
    int mantissa = (abs & 0x7f_ffff) | 0x80_0000;
    int shift = 126 - (abs >>> 23);
    int rounded = (mantissa + (1 << (shift - 1)) - 1 + ((mantissa >>> shift) & 1)) >>> shift;
    return (short) (sign | rounded);
  }

  /** The float value of an fp16 bit pattern (exact). */
  public static float fromHalf(short half) {
    return HALF_TO_FLOAT[half & 0xffff];
  }

  /** The bfloat16 nearest to {@code f} (ties to even); NaN stays a quiet NaN. */
  public static short toBf16(float f) {
    int bits = Float.floatToRawIntBits(f);
    if ((bits & 0x7fff_ffff) > 0x7f80_0000) {
      return (short) ((bits >>> 16) | 0x0040);
    }
    return (short) ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16);
  }

  /** The float value of a bfloat16 bit pattern (exact). */
  public static float fromBf16(short bf16) {
    return Float.intBitsToFloat(bf16 << 16);
  }

  private static float decodeHalf(int h) {
    int sign = (h & 0x8000) << 16;
    int exponent = (h >>> 10) & 0x1f;
    int mantissa = h & 0x3ff;
    if (exponent == 0) {
      float magnitude = mantissa * 0x1p-24f; // zero or subnormal, exact in float
      return sign == 0 ? magnitude : -magnitude;
    }
    if (exponent == 31) {
      return Float.intBitsToFloat(sign | 0x7f80_0000 | (mantissa << 13));
    }
    return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
  }
}
