package dev.orca.collective.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class HalfFloatTest {

  /** fp16 by definition: the nearest of all finite halves (ties to the even pattern), or inf. */
  private static short referenceHalf(float f) {
    if (Float.isNaN(f)) {
      return 0x7e00;
    }
    int sign = f < 0 || (f == 0 && 1 / f < 0) ? 0x8000 : 0;
    double a = Math.abs((double) f);
    if (a >= 65520) {
      return (short) (sign | 0x7c00);
    }
    int lo = 0;
    int hi = 0x7bff; // largest finite
    while (lo < hi) { // last pattern whose value <= a
      int mid = (lo + hi + 1) >>> 1;
      if (HalfFloat.fromHalf((short) mid) <= a) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    double below = HalfFloat.fromHalf((short) lo);
    if (below == a || lo == 0x7bff) {
      return (short) (sign | lo);
    }
    double above = HalfFloat.fromHalf((short) (lo + 1));
    int pick =
        a - below < above - a ? lo : a - below > above - a ? lo + 1 : (lo % 2 == 0 ? lo : lo + 1);
    return (short) (sign | pick);
  }

  private static short referenceBf16(float f) {
    int bits = Float.floatToRawIntBits(f);
    int down = bits & 0xffff0000;
    double a = f;
    double lower = Float.intBitsToFloat(down);
    float next = Float.intBitsToFloat(down + 0x10000); // next pattern away from zero
    double upper =
        Float.isInfinite(next) ? Math.copySign(0x1p128, a) : next; // inf stands for 2^128
    double dl = Math.abs(a - lower);
    double du = Math.abs(upper - a);
    int pick =
        dl < du
            ? down
            : dl > du ? down + 0x10000 : ((down >>> 16) % 2 == 0 ? down : down + 0x10000);
    return (short) (pick >>> 16);
  }

  @Test
  void halfEdgeCases() {
    assertEquals(0x0000, HalfFloat.toHalf(0f));
    assertEquals((short) 0x8000, HalfFloat.toHalf(-0f));
    assertEquals(0x3c00, HalfFloat.toHalf(1f));
    assertEquals((short) 0xc000, HalfFloat.toHalf(-2f));
    assertEquals(0x7bff, HalfFloat.toHalf(65504f), "largest finite");
    assertEquals(0x7bff, HalfFloat.toHalf(65519.996f), "just below the halfway point to 65536");
    assertEquals(0x7c00, HalfFloat.toHalf(65520f), "halfway rounds to even, which is infinity");
    assertEquals(0x7c00, HalfFloat.toHalf(1e6f), "overflow");
    assertEquals((short) 0xfc00, HalfFloat.toHalf(-1e6f), "negative overflow");
    assertEquals(0x7c00, HalfFloat.toHalf(Float.POSITIVE_INFINITY));
    assertEquals((short) 0xfc00, HalfFloat.toHalf(Float.NEGATIVE_INFINITY));
    assertTrue(Float.isNaN(HalfFloat.fromHalf(HalfFloat.toHalf(Float.NaN))));
    assertTrue(
        Float.isNaN(HalfFloat.fromHalf(HalfFloat.toHalf(Float.intBitsToFloat(0x7f800001)))),
        "a NaN with only low payload bits must not become infinity");
    assertEquals(0x0400, HalfFloat.toHalf(0x1p-14f), "smallest normal");
    assertEquals(0x0001, HalfFloat.toHalf(0x1p-24f), "smallest subnormal");
    assertEquals(0x03ff, HalfFloat.toHalf(0x3ffp-24f), "largest subnormal");
    assertEquals(
        0x0000, HalfFloat.toHalf(0x1p-25f), "halfway to the smallest subnormal: to even zero");
    assertEquals(0x0001, HalfFloat.toHalf(Math.nextUp(0x1p-25f)), "just above halfway");
    assertEquals(0x0002, HalfFloat.toHalf(0x3p-25f), "1.5 units ties to even 2");
    assertEquals(0x0002, HalfFloat.toHalf(0x5p-25f), "2.5 units ties to even 2");
    assertEquals(0x0400, HalfFloat.toHalf(0x7ffp-25f), "rounding up out of the subnormals");
    assertEquals(0x0000, HalfFloat.toHalf(Float.MIN_VALUE), "float subnormals flush to zero");
    assertEquals(0x3c00, HalfFloat.toHalf(1f + 0x1p-11f), "tie to even, down");
    assertEquals(0x3c02, HalfFloat.toHalf(1f + 0x3p-11f), "tie to even, up");
    assertEquals(0x3c01, HalfFloat.toHalf(Math.nextUp(1f + 0x1p-11f)), "just above a tie");
  }

  @Test
  void everyHalfRoundTripsExactly() {
    for (int h = 0; h < 1 << 16; h++) {
      float f = HalfFloat.fromHalf((short) h);
      if (!Float.isNaN(f)) {
        assertEquals((short) h, HalfFloat.toHalf(f), "pattern " + Integer.toHexString(h));
      }
    }
    assertEquals(0x1p-24f, HalfFloat.fromHalf((short) 1));
    assertEquals(65504f, HalfFloat.fromHalf((short) 0x7bff));
  }

  @Test
  void halfMatchesTheDefinitionAtEveryTieAndAtRandom() {
    for (int h = 0; h < 0x7bff; h++) {
      float lo = HalfFloat.fromHalf((short) h);
      float hi = HalfFloat.fromHalf((short) (h + 1));
      float tie = (lo + hi) / 2; // exact: a half has 11 significant bits, a float 24
      for (float f : new float[] {tie, Math.nextDown(tie), Math.nextUp(tie), -tie}) {
        assertEquals(referenceHalf(f), HalfFloat.toHalf(f), "value " + f);
      }
    }
    SplittableRandom random = new SplittableRandom(7);
    for (int i = 0; i < 2_000_000; i++) {
      float f = Float.intBitsToFloat(random.nextInt());
      if (!Float.isNaN(f)) {
        assertEquals(referenceHalf(f), HalfFloat.toHalf(f), "bits " + Float.floatToRawIntBits(f));
      }
    }
  }

  @Test
  void bf16EdgeCasesAndDefinition() {
    assertEquals(0x3f80, HalfFloat.toBf16(1f));
    assertEquals((short) 0x8000, HalfFloat.toBf16(-0f));
    assertEquals(0x3f80, HalfFloat.toBf16(Float.intBitsToFloat(0x3f808000)), "tie to even, down");
    assertEquals(0x3f82, HalfFloat.toBf16(Float.intBitsToFloat(0x3f818000)), "tie to even, up");
    assertEquals(0x7f80, HalfFloat.toBf16(Float.POSITIVE_INFINITY));
    assertEquals(0x7f80, HalfFloat.toBf16(Float.MAX_VALUE), "rounds past the largest bf16");
    assertEquals(
        0x7f7f, HalfFloat.toBf16(Float.intBitsToFloat(0x7f7f7fff)), "largest finite stays");
    assertEquals(
        0x0001, HalfFloat.toBf16(Float.intBitsToFloat(0x00008000 + 1)), "subnormal rounds up");
    assertEquals(
        0x0000, HalfFloat.toBf16(Float.intBitsToFloat(0x00008000)), "subnormal tie to even");
    assertTrue(
        Float.isNaN(HalfFloat.fromBf16(HalfFloat.toBf16(Float.intBitsToFloat(0x7f800001)))),
        "a NaN with only low payload bits must stay NaN");
    assertEquals(-2.5f, HalfFloat.fromBf16(HalfFloat.toBf16(-2.5f)));
    SplittableRandom random = new SplittableRandom(11);
    for (int i = 0; i < 2_000_000; i++) {
      float f = Float.intBitsToFloat(random.nextInt());
      if (!Float.isNaN(f) && !Float.isInfinite(f)) {
        assertEquals(referenceBf16(f), HalfFloat.toBf16(f), "bits " + Float.floatToRawIntBits(f));
      }
    }
  }
}
