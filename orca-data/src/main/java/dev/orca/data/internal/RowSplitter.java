package dev.orca.data.internal;

import dev.orca.arrow.ArrowMemory;
import dev.orca.arrow.Shard;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;

/**
 * One part of a random split, row by row: every row of every shard draws a number from a generator
 * seeded by (seed, partition, shard), so the parts computed separately are disjoint, together hold
 * every row, and come out the same each time they are computed. A shard made by {@link #hasNext}
 * belongs to the splitter until {@link #next} hands it out (closed when the task ends otherwise).
 */
public final class RowSplitter implements Iterator<Shard>, AutoCloseable {
  private final Iterator<Shard> in;
  private final long seed;
  private final double[] bounds;
  private final int part;
  private final int partition;
  private int shardIndex;
  private Shard next;

  /**
   * @param bounds cumulative weights, from 0 to 1; part {@code i} takes the rows drawing a number
   *     in {@code [bounds[i], bounds[i + 1])}
   */
  public RowSplitter(Iterator<Shard> in, int partition, long seed, double[] bounds, int part) {
    this.in = in;
    this.partition = partition;
    this.seed = seed;
    this.bounds = bounds;
    this.part = part;
    ArrowMemory.closeWhenTaskEnds(this);
  }

  @Override
  public boolean hasNext() {
    while (next == null && in.hasNext()) {
      try (Shard s = in.next()) {
        SplittableRandom random = new SplittableRandom(mix(seed, partition, shardIndex++));
        int[] rows = new int[s.rows()];
        int n = 0;
        for (int r = 0; r < rows.length; r++) {
          double u = random.nextDouble();
          if (u >= bounds[part] && u < bounds[part + 1]) {
            rows[n++] = r;
          }
        }
        if (n > 0) {
          next = s.selectRows(Arrays.copyOf(rows, n));
        }
      }
    }
    return next != null;
  }

  @Override
  public Shard next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    Shard out = next;
    next = null;
    return out;
  }

  /** Closes the shard made ahead and not handed out, if any. Idempotent. */
  @Override
  public void close() {
    Shard s = next;
    next = null;
    if (s != null) {
      s.close();
    }
  }

  private static long mix(long seed, int partition, int shard) {
    long h = seed * 0x9E3779B97F4A7C15L + partition;
    return h * 0xBF58476D1CE4E5B9L + shard;
  }
}
