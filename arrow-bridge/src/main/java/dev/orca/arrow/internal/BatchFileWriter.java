package dev.orca.arrow.internal;

import java.io.IOException;
import java.nio.channels.WritableByteChannel;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.apache.arrow.vector.ipc.message.IpcOption;

/**
 * Arrow's file writer, opened to write record batches that come from many roots (one per shard)
 * rather than refills of the one root it was made with: the batches are unloaded from each shard as
 * they are, so no buffer has to move between allocators.
 */
public final class BatchFileWriter extends ArrowFileWriter {
  public BatchFileWriter(VectorSchemaRoot schemaRoot, WritableByteChannel out) {
    super(schemaRoot, null, out, null, IpcOption.DEFAULT);
  }

  /** Writes one batch, already compressed by the unloader if compression is wanted. */
  public void write(ArrowRecordBatch batch) throws IOException {
    start();
    writeRecordBatch(batch);
  }
}
