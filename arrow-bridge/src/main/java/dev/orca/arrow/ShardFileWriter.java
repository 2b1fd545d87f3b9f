package dev.orca.arrow;

import dev.orca.OrcaDataException;
import dev.orca.OrcaException;
import dev.orca.arrow.internal.BatchFileWriter;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.VectorUnloader;
import org.apache.arrow.vector.compression.CompressionCodec;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Writes shards to an Arrow IPC file, one record batch per shard, streaming: each shard can be
 * closed as soon as it has been written. All shards must have the schema of the first. The file is
 * complete once the writer is closed; a writer that got no shard writes nothing.
 */
public final class ShardFileWriter implements AutoCloseable {
  private final WritableByteChannel channel;
  private final CompressionCodec codec;
  private final String name;
  private BufferAllocator allocator;
  private VectorSchemaRoot schemaRoot;
  private BatchFileWriter writer;
  private boolean closed;

  ShardFileWriter(WritableByteChannel channel, IpcCompression compression, String name) {
    this.channel = channel;
    this.codec = compression.codec();
    this.name = name;
  }

  /** A writer to {@code file}, created or replaced. */
  public static ShardFileWriter open(Path file, IpcCompression compression) {
    try {
      return new ShardFileWriter(
          FileChannel.open(
              file,
              StandardOpenOption.CREATE,
              StandardOpenOption.WRITE,
              StandardOpenOption.TRUNCATE_EXISTING),
          compression,
          file.toString());
    } catch (IOException e) {
      throw new OrcaException(
          "Cannot create the Arrow file "
              + file
              + ": "
              + e.getMessage()
              + ". Choose a folder"
              + " this application may write.",
          e);
    }
  }

  /** Appends the shard as one record batch; the shard stays the caller's. */
  public void write(Shard shard) {
    if (closed) {
      throw new IllegalStateException("the writer of " + name + " is closed");
    }
    Schema schema = shard.schema();
    try {
      if (writer == null) {
        allocator = ArrowMemory.current().newChildAllocator("writing " + name, 0, 0);
        schemaRoot = VectorSchemaRoot.create(schema, allocator);
        writer = new BatchFileWriter(schemaRoot, channel);
      } else if (!schema.equals(schemaRoot.getSchema())) {
        throw new OrcaDataException(
            "shard "
                + shard.name()
                + " does not have the schema of the shards before it in "
                + name
                + ": "
                + schema
                + " vs "
                + schemaRoot.getSchema());
      }
      try (ArrowRecordBatch batch =
          new VectorUnloader(shard.root(), true, codec, true).getRecordBatch()) {
        writer.write(batch);
      }
    } catch (IOException e) {
      throw new OrcaException(
          "Cannot write shard " + shard.name() + " to " + name + ": " + e.getMessage(), e);
    }
  }

  /** Ends the file (its footer) and closes the channel. Idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      if (writer != null) {
        writer.end();
        writer.close();
      } else {
        channel.close();
      }
    } catch (IOException e) {
      throw new OrcaException("Cannot finish the Arrow file " + name + ": " + e.getMessage(), e);
    } finally {
      if (schemaRoot != null) {
        schemaRoot.close();
        allocator.close();
      }
    }
  }
}
