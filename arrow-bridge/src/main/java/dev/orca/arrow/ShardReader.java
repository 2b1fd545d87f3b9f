package dev.orca.arrow;

import dev.orca.OrcaDataException;
import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.util.Iterator;
import java.util.NoSuchElementException;
import org.apache.arrow.compression.CommonsCompressionFactory;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.ipc.ArrowFileReader;

/**
 * Reads an Arrow IPC file batch by batch: each {@link #next()} is a new shard in its own child of
 * the given allocator, owned by the caller; only one batch is read ahead of the caller. Closing the
 * reader closes the file (not the shards handed out).
 */
public final class ShardReader implements Iterator<Shard>, AutoCloseable {
  private final BufferAllocator parent;
  private final String name;
  private final BufferAllocator readerAllocator;
  private final ArrowFileReader reader;
  private int batch;
  private Boolean ahead;
  private boolean closed;

  ShardReader(SeekableByteChannel channel, BufferAllocator parent, String name) {
    this.parent = parent;
    this.name = name;
    this.readerAllocator = parent.newChildAllocator("reading " + name, 0, Long.MAX_VALUE);
    this.reader = new ArrowFileReader(channel, readerAllocator, CommonsCompressionFactory.INSTANCE);
  }

  @Override
  public boolean hasNext() {
    if (ahead == null) {
      try {
        ahead = !closed && reader.loadNextBatch();
      } catch (IOException | RuntimeException e) {
        close();
        throw new OrcaDataException(
            "cannot read batch " + batch + " of Arrow file " + name + ": " + e.getMessage(), e);
      }
    }
    return ahead;
  }

  @Override
  public Shard next() {
    if (!hasNext()) {
      throw new NoSuchElementException("no more batches in " + name);
    }
    ahead = null;
    BufferAllocator allocator =
        parent.newChildAllocator(name + " batch " + batch++, 0, Long.MAX_VALUE);
    try {
      var loaded = reader.getVectorSchemaRoot();
      return Shard.wrap(ArrowIpc.takeVectors(loaded, allocator, loaded.getRowCount()), allocator);
    } catch (IOException | RuntimeException e) {
      allocator.close();
      throw new OrcaDataException(
          "cannot read batch " + (batch - 1) + " of Arrow file " + name + ": " + e.getMessage(), e);
    }
  }

  /** Closes the file. Idempotent. */
  @Override
  public void close() {
    if (!closed) {
      closed = true;
      try {
        reader.close();
      } catch (IOException e) {
        throw new OrcaDataException("cannot close Arrow file " + name + ": " + e.getMessage(), e);
      } finally {
        readerAllocator.close();
      }
    }
  }
}
