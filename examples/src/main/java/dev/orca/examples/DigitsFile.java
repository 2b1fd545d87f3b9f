package dev.orca.examples;

import dev.orca.OrcaDataException;
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
 * The digits data set read in plain Java, without Spark (for the serving example): 64 pixels
 * scaled from 0..16 to [0, 1], as the Digits example's Spark job scales them, and the labels.
 */
public record DigitsFile(float[][] pixels, float[] labels) {
  static final String RESOURCE = "data/digits.csv.gz";

  /** Reads the copy among the examples' resources. */
  public static DigitsFile read() {
    try (InputStream raw = DigitsFile.class.getClassLoader().getResourceAsStream(RESOURCE)) {
      if (raw == null) {
        throw new OrcaDataException("the resource " + RESOURCE + " is not on the classpath: build the examples module");
      }
      BufferedReader in = new BufferedReader(new InputStreamReader(new GZIPInputStream(raw), StandardCharsets.US_ASCII));
      List<float[]> pixels = new ArrayList<>();
      List<Float> labels = new ArrayList<>();
      String line;
      while ((line = in.readLine()) != null) {
        String[] cells = line.split(",");
        if (cells.length != 65) {
          throw new OrcaDataException(RESOURCE + " line " + (pixels.size() + 1) + " has " + cells.length
              + " values, expected 64 pixels and a label");
        }
        float[] p = new float[64];
        for (int i = 0; i < 64; i++) {
          p[i] = Float.parseFloat(cells[i]) / 16f;
        }
        pixels.add(p);
        labels.add(Float.parseFloat(cells[64]));
      }
      float[] l = new float[labels.size()];
      for (int i = 0; i < l.length; i++) {
        l[i] = labels.get(i);
      }
      return new DigitsFile(pixels.toArray(float[][]::new), l);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + RESOURCE, e);
    }
  }

  public int rows() {
    return labels.length;
  }
}
