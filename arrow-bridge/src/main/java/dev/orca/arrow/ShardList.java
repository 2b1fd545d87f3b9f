package dev.orca.arrow;

import java.util.AbstractList;
import java.util.List;
import java.util.RandomAccess;

/**
 * Shards handed over together (collected to the driver, read from a file), closed together: {@code
 * try (ShardList shards = xshards.collect()) { ... }}. Closing closes every shard; a shard may be
 * {@link Shard#retain() retained} to outlive the list.
 */
public final class ShardList extends AbstractList<Shard> implements AutoCloseable, RandomAccess {
  private final List<Shard> shards;

  public ShardList(List<Shard> shards) {
    this.shards = List.copyOf(shards);
  }

  @Override
  public Shard get(int index) {
    return shards.get(index);
  }

  @Override
  public int size() {
    return shards.size();
  }

  /** The rows of all shards. */
  public long rows() {
    long n = 0;
    for (Shard s : shards) {
      n += s.rows();
    }
    return n;
  }

  /** Closes every shard. Idempotent. */
  @Override
  public void close() {
    Shard.closeAll(shards);
  }
}
