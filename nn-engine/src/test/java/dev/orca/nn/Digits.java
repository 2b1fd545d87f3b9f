package dev.orca.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;

/**
 * The UCI digits (8x8 images, 1797 rows, from the sample-data module) split 80/20 stratified by
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
    dev.orca.sampledata.Digits data =
        dev.orca.sampledata.Digits.load(); // pixels 0..16, in the file's order
    float[][] pixels = data.pixels();
    float[] labels = data.labels();
    List<List<Integer>> byClass = new ArrayList<>();
    for (int c = 0; c < 10; c++) {
      byClass.add(new ArrayList<>());
    }
    for (int r = 0; r < labels.length; r++) {
      byClass.get((int) labels[r]).add(r);
    }
    SplittableRandom random = new SplittableRandom(0);
    List<Integer> train = new ArrayList<>();
    List<Integer> test = new ArrayList<>();
    for (List<Integer> cls : byClass) {
      for (int i = cls.size() - 1; i > 0; i--) {
        Collections.swap(cls, i, random.nextInt(i + 1));
      }
      int nTest = Math.round(cls.size() * 0.2f);
      test.addAll(cls.subList(0, nTest));
      train.addAll(cls.subList(nTest, cls.size()));
    }
    Collections.shuffle(train, new Random(0));
    double[] mean = new double[64];
    double[] std = new double[64];
    for (int r : train) {
      for (int i = 0; i < 64; i++) {
        mean[i] += pixels[r][i] / train.size();
      }
    }
    for (int r : train) {
      for (int i = 0; i < 64; i++) {
        std[i] += (pixels[r][i] - mean[i]) * (pixels[r][i] - mean[i]) / train.size();
      }
    }
    for (int i = 0; i < 64; i++) {
      std[i] = std[i] < 1e-12 ? 1 : Math.sqrt(std[i]);
    }
    return new Digits(
        features(pixels, train, mean, std),
        labels(labels, train),
        features(pixels, test, mean, std),
        labels(labels, test));
  }

  private static float[][] features(
      float[][] pixels, List<Integer> rows, double[] mean, double[] std) {
    float[][] x = new float[rows.size()][64];
    for (int r = 0; r < rows.size(); r++) {
      float[] p = pixels[rows.get(r)];
      for (int i = 0; i < 64; i++) {
        x[r][i] = (float) ((p[i] - mean[i]) / std[i]);
      }
    }
    return x;
  }

  private static float[] labels(float[] labels, List<Integer> rows) {
    float[] y = new float[rows.size()];
    for (int r = 0; r < rows.size(); r++) {
      y[r] = labels[rows.get(r)];
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
