package dev.orca.nn;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.GZIPInputStream;

/**
 * The UCI digits (8x8 images, 1797 rows) from the test resources, split 80/20 stratified by
 * class with seed 0, pixels scaled by the training part's mean and standard deviation.
 */
final class Digits {
  final float[][] trainX;
  final float[] trainY;
  final float[][] testX;
  final float[] testY;

  private Digits(float[][] trainX, float[] trainY, float[][] testX, float[] testY) {
    this.trainX = trainX;
    this.trainY = trainY;
    this.testX = testX;
    this.testY = testY;
  }

  static Digits load() {
    List<float[]> rows = new ArrayList<>();
    try (InputStream raw = Digits.class.getResourceAsStream("/digits.csv.gz");
        BufferedReader in = new BufferedReader(new InputStreamReader(new GZIPInputStream(raw), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        String[] f = line.split(",");
        float[] row = new float[f.length];
        for (int i = 0; i < f.length; i++) {
          row[i] = Float.parseFloat(f[i]);
        }
        rows.add(row);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<List<float[]>> byClass = new ArrayList<>();
    for (int c = 0; c < 10; c++) {
      byClass.add(new ArrayList<>());
    }
    for (float[] r : rows) {
      byClass.get((int) r[64]).add(r);
    }
    SplittableRandom random = new SplittableRandom(0);
    List<float[]> train = new ArrayList<>();
    List<float[]> test = new ArrayList<>();
    for (List<float[]> cls : byClass) {
      for (int i = cls.size() - 1; i > 0; i--) {
        int j = random.nextInt(i + 1);
        float[] t = cls.get(i);
        cls.set(i, cls.get(j));
        cls.set(j, t);
      }
      int nTest = Math.round(cls.size() * 0.2f);
      test.addAll(cls.subList(0, nTest));
      train.addAll(cls.subList(nTest, cls.size()));
    }
    java.util.Collections.shuffle(train, new java.util.Random(0));
    double[] mean = new double[64];
    double[] std = new double[64];
    for (float[] r : train) {
      for (int i = 0; i < 64; i++) {
        mean[i] += r[i] / train.size();
      }
    }
    for (float[] r : train) {
      for (int i = 0; i < 64; i++) {
        std[i] += (r[i] - mean[i]) * (r[i] - mean[i]) / train.size();
      }
    }
    for (int i = 0; i < 64; i++) {
      std[i] = std[i] < 1e-12 ? 1 : Math.sqrt(std[i]);
    }
    return new Digits(features(train, mean, std), labels(train), features(test, mean, std), labels(test));
  }

  private static float[][] features(List<float[]> rows, double[] mean, double[] std) {
    float[][] x = new float[rows.size()][64];
    for (int r = 0; r < rows.size(); r++) {
      for (int i = 0; i < 64; i++) {
        x[r][i] = (float) ((rows.get(r)[i] - mean[i]) / std[i]);
      }
    }
    return x;
  }

  private static float[] labels(List<float[]> rows) {
    float[] y = new float[rows.size()];
    for (int r = 0; r < rows.size(); r++) {
      y[r] = rows.get(r)[64];
    }
    return y;
  }

  /** Rows as a tensor of shape (rows, dims...). */
  static Tensor tensor(float[][] x, int... sample) {
    int width = x[0].length;
    float[] flat = new float[x.length * width];
    for (int r = 0; r < x.length; r++) {
      System.arraycopy(x[r], 0, flat, r * width, width);
    }
    int[] dims = new int[sample.length + 1];
    dims[0] = x.length;
    System.arraycopy(sample, 0, dims, 1, sample.length);
    return Tensor.of(flat, dims);
  }
}
