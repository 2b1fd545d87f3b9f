package dev.orca.data.internal;

import dev.orca.OrcaException;
import dev.orca.arrow.ArrowIpc;
import dev.orca.arrow.ArrowMemory;
import dev.orca.arrow.IpcCompression;
import dev.orca.arrow.Shard;
import dev.orca.data.ShardFunction;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.function.Function;
import org.apache.spark.api.java.JavaRDD;

/**
 * Partition-level building blocks of XShards: each consumes a stream of shards lazily and closes
 * every input shard as soon as it has been used, so a pipeline holds one batch per step at a time.
 */
public final class ShardStreams {
  private ShardStreams() {}

  /** Applies {@code f} to each shard; an input is closed once {@code f} returned something else. */
  public static Iterator<Shard> map(Iterator<Shard> in, ShardFunction f) {
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return in.hasNext();
      }

      @Override
      public Shard next() {
        Shard s = in.next();
        Shard out;
        try {
          out = f.apply(s);
        } catch (Exception e) {
          s.close();
          throw e instanceof RuntimeException re
              ? re
              : new OrcaException("transformShard failed on " + s + ": " + e, e);
        }
        if (out == null) {
          s.close();
          throw new NullPointerException(
              "the function given to transformShard returned null for shard "
                  + s.name()
                  + "; return a shard (the input itself to keep it)");
        }
        if (out != s) {
          s.close();
        }
        return out;
      }
    };
  }

  /** Each shard as IPC bytes, closed once written. */
  public static JavaRDD<byte[]> toBytes(JavaRDD<Shard> shards, IpcCompression compression) {
    return shards.mapPartitions(it -> closing(it, s -> ArrowIpc.toBytes(s, compression)));
  }

  /** The shards of IPC bytes, opened one by one as they are asked for. */
  public static JavaRDD<Shard> fromBytes(JavaRDD<byte[]> bytes, String name) {
    return bytes.mapPartitionsWithIndex((p, it) -> new Opening(it, name + " partition " + p), true);
  }

  /** Opens each shard's bytes when it is asked for, in the task's memory. */
  private static final class Opening implements Iterator<Shard> {
    private final Iterator<byte[]> in;
    private final String name;
    private int index;

    Opening(Iterator<byte[]> in, String name) {
      this.in = in;
      this.name = name;
    }

    @Override
    public boolean hasNext() {
      return in.hasNext();
    }

    @Override
    public Shard next() {
      return ArrowIpc.fromBytes(in.next(), ArrowMemory.current(), name + " shard " + index++);
    }
  }

  /** Maps each shard to a value and closes it. */
  public static <T> Iterator<T> closing(Iterator<Shard> in, Function<Shard, T> f) {
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return in.hasNext();
      }

      @Override
      public T next() {
        if (!in.hasNext()) {
          throw new NoSuchElementException();
        }
        try (Shard s = in.next()) {
          return f.apply(s);
        }
      }
    };
  }
}
