package dev.orca.sampledata;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The digits as arrays: every image, its 64 pixels in 0..16, and the true count of each digit. */
class DigitsTest {
  private static final Digits DIGITS = Digits.load();

  @Test
  void holdsAllImagesWithSixtyFourPixelsFromZeroToSixteen() {
    assertEquals(1797, DIGITS.rows());
    assertEquals(1797, DIGITS.pixels().length);
    float min = Float.MAX_VALUE;
    float max = -Float.MAX_VALUE;
    for (float[] row : DIGITS.pixels()) {
      assertEquals(64, row.length);
      for (float v : row) {
        assertEquals(Math.rint(v), v, "pixel values are whole counts");
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
    }
    assertEquals(0f, min);
    assertEquals(16f, max);
    // the first image of the file, a zero
    assertArrayEquals(new float[] {0, 0, 5, 13, 9, 1, 0, 0}, Arrays.copyOf(DIGITS.pixels()[0], 8));
    assertEquals(0f, DIGITS.labels()[0]);
  }

  @Test
  void labelsAreTheTenDigitsWithTheirTrueCounts() {
    int[] counts = new int[10];
    for (float label : DIGITS.labels()) {
      assertEquals(Math.rint(label), label);
      counts[(int) label]++;
    }
    assertArrayEquals(new int[] {178, 182, 177, 183, 181, 182, 181, 179, 174, 180}, counts);
  }

  @Test
  void scaledToUnitDividesEveryPixelBySixteenAndLeavesTheOriginal() {
    Digits unit = DIGITS.scaledToUnit();
    assertEquals(DIGITS.rows(), unit.rows());
    assertArrayEquals(DIGITS.labels(), unit.labels());
    for (int r = 0; r < DIGITS.rows(); r++) {
      for (int i = 0; i < 64; i++) {
        assertEquals(DIGITS.pixels()[r][i] / 16f, unit.pixels()[r][i]);
      }
    }
    assertEquals(13f, DIGITS.pixels()[0][3], "the original keeps its 0..16 values");
  }
}
