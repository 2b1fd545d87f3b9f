package dev.orca.arrow;

import org.apache.arrow.compression.CommonsCompressionFactory;
import org.apache.arrow.vector.compression.CompressionCodec;
import org.apache.arrow.vector.compression.CompressionUtil;
import org.apache.arrow.vector.compression.NoCompressionCodec;

/**
 * How Arrow IPC bytes and files compress each buffer. Float features barely compress, so the
 * default is none. {@link #ZSTD} (native zstd) is the one to use for repetitive or sparse data.
 * {@link #LZ4_FRAME} is there to exchange files with other Arrow tools (pyarrow's default): Arrow
 * Java compresses it with commons-compress, measured here at about 1 MB/s on random floats (reading
 * is fine), so do not choose it for speed.
 */
public enum IpcCompression {
  NONE(CompressionUtil.CodecType.NO_COMPRESSION),
  LZ4_FRAME(CompressionUtil.CodecType.LZ4_FRAME),
  ZSTD(CompressionUtil.CodecType.ZSTD);

  private final CompressionUtil.CodecType codec;

  IpcCompression(CompressionUtil.CodecType codec) {
    this.codec = codec;
  }

  CompressionUtil.CodecType codecType() {
    return codec;
  }

  /** Writers take a factory and a type; Arrow's codec library knows only the real codecs. */
  CompressionCodec.Factory factory() {
    return this == NONE ? NoCompressionCodec.Factory.INSTANCE : CommonsCompressionFactory.INSTANCE;
  }

  CompressionCodec codec() {
    return factory().createCodec(codec);
  }
}
