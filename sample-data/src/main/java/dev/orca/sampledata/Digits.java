package dev.orca.sampledata;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * The UCI handwritten digits in plain Java, for code without Spark: one row of 64 pixels (an 8x8
 * image, row by row) per image, and the digit it shows as a float label 0..9. Spark jobs read
 * {@link SampleData#DIGITS} as a file instead.
 */
public record Digits(float[][] pixels, float[] labels) {
  /** Pixels per image. */
  public static final int PIXELS = 64;

  /** The largest pixel value in the file (pixels count set cells of a 4x4 block). */
  public static final float PIXEL_MAX = 16f;

  /** Reads all 1797 images, in the file's order, with the pixel values as stored: 0..16. */
  public static Digits load() {
    String name = SampleData.DIGITS.fileName();
    try (InputStream raw = SampleData.DIGITS.open();
        BufferedReader in =
            new BufferedReader(
                new InputStreamReader(new GZIPInputStream(raw), StandardCharsets.US_ASCII))) {
      List<float[]> pixels = new ArrayList<>();
      List<Float> labels = new ArrayList<>();
      String line;
      while ((line = in.readLine()) != null) {
        String[] cells = line.split(",");
        if (cells.length != PIXELS + 1) {
          throw new IllegalStateException(
              name
                  + " line "
                  + (pixels.size() + 1)
                  + " has "
                  + cells.length
                  + " values, expected "
                  + PIXELS
                  + " pixels and a label");
        }
        float[] p = new float[PIXELS];
        for (int i = 0; i < PIXELS; i++) {
          p[i] = Float.parseFloat(cells[i]);
        }
        pixels.add(p);
        labels.add(Float.parseFloat(cells[PIXELS]));
      }
      float[] l = new float[labels.size()];
      for (int i = 0; i < l.length; i++) {
        l[i] = labels.get(i);
      }
      return new Digits(pixels.toArray(float[][]::new), l);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the sample data " + name, e);
    }
  }

  /**
   * The same images with every pixel divided by {@link #PIXEL_MAX}, into [0, 1]; this one is
   * unchanged.
   */
  public Digits scaledToUnit() {
    float[][] scaled = new float[pixels.length][];
    for (int r = 0; r < pixels.length; r++) {
      scaled[r] = new float[pixels[r].length];
      for (int i = 0; i < scaled[r].length; i++) {
        scaled[r][i] = pixels[r][i] / PIXEL_MAX;
      }
    }
    return new Digits(scaled, labels.clone());
  }

  public int rows() {
    return labels.length;
  }
}
