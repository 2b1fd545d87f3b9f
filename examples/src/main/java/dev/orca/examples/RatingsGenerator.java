package dev.orca.examples;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Writes a MovieLens-style ratings file drawn from planted latent factors, since MovieLens itself
 * cannot be downloaded here. Each user {@code u} and item {@code i} get a hidden taste vector of
 * {@code dims} standard normal values, and each item a popularity {@code z_i ~ N(0, 1)}; their
 * affinity is {@code s = u . i / sqrt(dims)}.
 *
 * <ul>
 *   <li>Which items a user rates: a draw without replacement with weights {@code exp(z_i + 1.5 s)}
 *       (people watch what is popular and what suits them);
 *   <li>the stars: {@code round(2.8 + 0.5 z_i + s + N(0, 0.5^2))} clipped to 1..5 (popular films
 *       are a little better liked);
 *   <li>timestamps: each user's ratings one after the other, in random order.
 * </ul>
 *
 * Movie ids are sparse, as in MovieLens ({@code 1 + 3 i}); user ids start at 1.
 */
public final class RatingsGenerator {
  private final int users;
  private final int items;
  private final int ratingsPerUser;
  private final int dims;
  private final long seed;

  /**
   * {@code ratingsPerUser} on average (each user rates between half and one and a half times that).
   */
  public RatingsGenerator(int users, int items, int ratingsPerUser, int dims, long seed) {
    if (users < 1
        || items < 4
        || ratingsPerUser < 4
        || 3 * ratingsPerUser / 2 > items / 2
        || dims < 1) {
      throw new IllegalArgumentException(
          "need users >= 1, items >= 4, 4 <= ratingsPerUser with 1.5 x ratingsPerUser"
              + " at most half the items, dims >= 1; got users="
              + users
              + " items="
              + items
              + " ratingsPerUser="
              + ratingsPerUser
              + " dims="
              + dims);
    }
    this.users = users;
    this.items = items;
    this.ratingsPerUser = ratingsPerUser;
    this.dims = dims;
    this.seed = seed;
  }

  /** The MovieLens id of item {@code i} (0-based). */
  public static int movieId(int item) {
    return 1 + 3 * item;
  }

  /** Writes the file; returns the number of ratings. */
  public long write(Path file, MovieLensRatings.Format format) {
    SplittableRandom random = new SplittableRandom(seed);
    double[][] itemTaste = normals(random, items, dims);
    double[] popularity = normals(random, 1, items)[0];
    double[] keys = new double[items];
    Integer[] order = new Integer[items];
    double[] taste = new double[dims];
    long count = 0;
    long time = 978_300_000L; // MovieLens 1M's first year
    try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      String header = MovieLensRatings.header(format);
      if (header != null) {
        out.write(header);
        out.newLine();
      }
      for (int u = 0; u < users; u++) {
        for (int d = 0; d < dims; d++) {
          taste[d] = gaussian(random);
        }
        // weighted draw without replacement: the n largest of log(weight) + Gumbel noise
        for (int i = 0; i < items; i++) {
          double s = affinity(taste, itemTaste[i]);
          keys[i] = popularity[i] + 1.5 * s - Math.log(-Math.log(random.nextDouble(1e-300, 1.0)));
          order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(keys[b], keys[a]));
        int n = ratingsPerUser / 2 + random.nextInt(ratingsPerUser + 1);
        for (int k = 0;
            k < n - 1;
            k++) { // the chosen n in random order, which the timestamps follow
          int j = random.nextInt(k, n);
          Integer swap = order[j];
          order[j] = order[k];
          order[k] = swap;
        }
        for (int k = 0; k < n; k++) {
          int i = order[k];
          double stars =
              2.8 + 0.5 * popularity[i] + affinity(taste, itemTaste[i]) + 0.5 * gaussian(random);
          float rating = (float) Math.max(1, Math.min(5, Math.rint(stars)));
          time += 1 + random.nextInt(600);
          out.write(MovieLensRatings.line(format, u + 1, movieId(i), rating, time));
          out.newLine();
          count++;
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the ratings to " + file, e);
    }
    return count;
  }

  private double affinity(double[] user, double[] item) {
    double s = 0;
    for (int d = 0; d < dims; d++) {
      s += user[d] * item[d];
    }
    return s / Math.sqrt(dims);
  }

  private static double[][] normals(SplittableRandom random, int rows, int cols) {
    double[][] v = new double[rows][cols];
    for (double[] row : v) {
      for (int c = 0; c < cols; c++) {
        row[c] = gaussian(random);
      }
    }
    return v;
  }

  /** A standard normal draw (Box-Muller; SplittableRandom has none). */
  private static double gaussian(SplittableRandom random) {
    return Math.sqrt(-2 * Math.log(random.nextDouble(1e-300, 1.0)))
        * Math.cos(2 * Math.PI * random.nextDouble());
  }
}
