package dev.orca.arrow;

import org.apache.arrow.compression.CommonsCompressionFactory;
import org.apache.arrow.vector.compression.CompressionCodec;
import org.apache.arrow.vector.compression.CompressionUtil;
import org.apache.arrow.vector.compression.NoCompressionCodec;

/**
 * How Arrow IPC bytes and files compress each buffer. Random float features barely compress, so
 * the default is none; {@link #LZ4_FRAME} is cheap and worth it for sparse or repetitive data,
 * {@link #ZSTD} packs tighter at more CPU.
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
