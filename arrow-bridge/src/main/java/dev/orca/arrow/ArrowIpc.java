package dev.orca.arrow;

import dev.orca.OrcaDataException;
import dev.orca.OrcaException;
import dev.orca.arrow.internal.ByteArrayChannel;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.compression.CommonsCompressionFactory;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.ipc.message.IpcOption;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.util.ByteArrayReadableSeekableByteChannel;
import org.apache.arrow.vector.util.TransferPair;

/**
 * Shards to Arrow IPC and back: as bytes (the IPC stream format, one batch; what goes into the Ray
 * object store or over the network) and as files (the IPC file format, many batches; what {@code
 * save} and {@code load} use), with optional compression. Compressed input is recognised when read.
 */
public final class ArrowIpc {
  private ArrowIpc() {}

  /** The shard as uncompressed IPC stream bytes; the array is exactly as long as the bytes. */
  public static byte[] toBytes(Shard shard) {
    return toBytes(shard, IpcCompression.NONE);
  }

  public static byte[] toBytes(Shard shard, IpcCompression compression) {
    VectorSchemaRoot root = shard.root();
    try {
      if (compression == IpcCompression.NONE) {
        // counting first costs only the small metadata twice and saves copying the body again to
        // trim it
        ByteArrayChannel counter = ByteArrayChannel.counting();
        writeStream(root, counter, compression);
        ByteArrayChannel out = ByteArrayChannel.withCapacity(counter.size());
        writeStream(root, out, compression);
        return out.toByteArray();
      }
      ByteArrayChannel out = ByteArrayChannel.withCapacity(Math.max(1024, bodySize(root) / 2));
      writeStream(root, out, compression);
      return out.toByteArray();
    } catch (IOException e) {
      throw new IllegalStateException(
          "writing shard " + shard.name() + " as Arrow IPC into memory failed", e);
    }
  }

  /**
   * A shard read from IPC stream bytes holding one batch (or none: a shard of zero rows), in a new
   * child of {@code parent}.
   */
  public static Shard fromBytes(byte[] bytes, BufferAllocator parent) {
    return fromBytes(bytes, parent, "shard from " + bytes.length + " IPC bytes");
  }

  /** {@link #fromBytes(byte[], BufferAllocator)} with a name for the shard and its allocator. */
  public static Shard fromBytes(byte[] bytes, BufferAllocator parent, String name) {
    BufferAllocator allocator = parent.newChildAllocator(name, 0, Long.MAX_VALUE);
    try (ArrowStreamReader reader =
        new ArrowStreamReader(
            new ByteArrayReadableSeekableByteChannel(bytes),
            allocator,
            CommonsCompressionFactory.INSTANCE)) {
      VectorSchemaRoot loaded = reader.getVectorSchemaRoot();
      int rows = reader.loadNextBatch() ? loaded.getRowCount() : 0;
      VectorSchemaRoot own = takeVectors(loaded, allocator, rows);
      if (reader.loadNextBatch()) {
        own.close();
        throw new OrcaDataException(
            "the IPC bytes of '"
                + name
                + "' hold more than one record batch; a shard is"
                + " one batch. Read them with ArrowIpc.read(...) as a stream of shards.");
      }
      return Shard.wrap(own, allocator);
    } catch (IOException | RuntimeException e) {
      allocator.close();
      if (e instanceof OrcaDataException ode) {
        throw ode;
      }
      throw new OrcaDataException(
          "cannot read "
              + bytes.length
              + " bytes as an Arrow IPC stream ("
              + name
              + "): "
              + e.getMessage(),
          e);
    }
  }

  /** Writes the shards to an Arrow IPC file; the file is replaced if it exists. */
  public static void write(Path file, Iterable<Shard> shards, IpcCompression compression) {
    try (ShardFileWriter writer = ShardFileWriter.open(file, compression)) {
      for (Shard s : shards) {
        writer.write(s);
      }
    }
  }

  /** Opens a writer of shards to an Arrow IPC file, one batch per shard. */
  public static ShardFileWriter newWriter(
      WritableByteChannel channel, IpcCompression compression, String name) {
    return new ShardFileWriter(channel, compression, name);
  }

  /**
   * Reads an Arrow IPC file batch by batch; each batch becomes a shard in a child of {@code
   * parent}.
   */
  public static ShardReader read(Path file, BufferAllocator parent) {
    try {
      return read(
          FileChannel.open(file, StandardOpenOption.READ), parent, file.getFileName().toString());
    } catch (IOException e) {
      throw new OrcaException(
          "Cannot open the Arrow file "
              + file
              + ": "
              + e.getMessage()
              + ". Check the path and that"
              + " this application may read it.",
          e);
    }
  }

  /** Reads an Arrow IPC file from a channel, which the reader closes. */
  public static ShardReader read(SeekableByteChannel channel, BufferAllocator parent, String name) {
    return new ShardReader(channel, parent, name);
  }

  /** Every shard of an Arrow IPC file, read at once. */
  public static ShardList readAll(Path file, BufferAllocator parent) {
    List<Shard> out = new ArrayList<>();
    try (ShardReader reader = read(file, parent)) {
      reader.forEachRemaining(out::add);
    } catch (RuntimeException e) {
      Shard.closeAll(out);
      throw e;
    }
    return new ShardList(out);
  }

  /**
   * Moves the loaded vectors of a reader into a root of their own in {@code allocator}; no copy.
   */
  static VectorSchemaRoot takeVectors(
      VectorSchemaRoot loaded, BufferAllocator allocator, int rows) {
    List<FieldVector> vectors = new ArrayList<>();
    for (FieldVector v : loaded.getFieldVectors()) {
      TransferPair move = v.getTransferPair(v.getField(), allocator);
      move.transfer();
      vectors.add((FieldVector) move.getTo());
    }
    List<Field> fields = vectors.stream().map(FieldVector::getField).toList();
    return new VectorSchemaRoot(fields, vectors, rows);
  }

  private static void writeStream(
      VectorSchemaRoot root, WritableByteChannel out, IpcCompression compression)
      throws IOException {
    try (ArrowStreamWriter writer =
        new ArrowStreamWriter(
            root, null, out, IpcOption.DEFAULT, compression.factory(), compression.codecType())) {
      writer.start();
      writer.writeBatch();
      writer.end();
    }
  }

  private static long bodySize(VectorSchemaRoot root) {
    long size = 0;
    for (FieldVector v : root.getFieldVectors()) {
      size += v.getBufferSize();
    }
    return size;
  }
}
