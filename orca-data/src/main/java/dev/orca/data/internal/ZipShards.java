package dev.orca.data.internal;

import dev.orca.OrcaDataException;
import dev.orca.arrow.Shard;
import java.util.Iterator;

/** Zips the shards of two partitions pairwise: same number of shards, same rows in each pair. */
public final class ZipShards {
  private ZipShards() {}

  public static Iterator<Shard> zip(Iterator<Shard> left, Iterator<Shard> right, String what) {
    return new Iterator<>() {
      private int index;

      @Override
      public boolean hasNext() {
        boolean l = left.hasNext();
        boolean r = right.hasNext();
        if (l != r) {
          throw new OrcaDataException(
              "cannot zip "
                  + what
                  + ": one side has "
                  + index
                  + " shards where the other has"
                  + " more. Zip XShards made the same way (same partitions and batch size).");
        }
        return l;
      }

      @Override
      public Shard next() {
        try (Shard l = left.next();
            Shard r = right.next()) {
          index++;
          return l.withColumnsOf(r);
        }
      }
    };
  }
}
