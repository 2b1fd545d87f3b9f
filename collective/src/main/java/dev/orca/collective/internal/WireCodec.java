package dev.orca.collective.internal;

import dev.orca.collective.Compression;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;

/**
 * Moves floats between a user buffer and a frame payload in one wire format. The loops are plain
 * indexed loops over buffers so that the JIT keeps them tight; they run once per element sent or
 * received and are the only per-element work of the ring.
 */
public abstract class WireCodec {
  private final Compression compression;

  WireCodec(Compression compression) {
    this.compression = compression;
  }

  /** The codec of a compression mode. */
  public static WireCodec of(Compression compression) {
    switch (compression) {
      case NONE:
        return new RawCodec();
      case FP16:
        return new Fp16Codec();
      case BF16:
        return new Bf16Codec();
      default:
        throw new IllegalArgumentException("no codec for " + compression);
    }
  }

  public Compression compression() {
    return compression;
  }

  /** Payload bytes of {@code n} floats. */
  public int payloadBytes(int n) {
    return n * compression.bytesPerFloat();
  }

  /**
   * Encodes {@code src[pos, pos+n)} into {@code out}. With {@code roundSource} a lossy codec also
   * replaces the source values by what the receivers will decode, so all workers agree bitwise.
   */
  public abstract void encode(
      FloatBuffer src, int pos, int n, ChunkBuffer out, boolean roundSource);

  /** {@code dst[pos+i] += decoded[i]} for {@code i < n}. */
  public abstract void addTo(ChunkBuffer in, FloatBuffer dst, int pos, int n);

  /** {@code dst[pos+i] = decoded[i]} for {@code i < n}. */
  public abstract void copyTo(ChunkBuffer in, FloatBuffer dst, int pos, int n);

  /**
   * Replaces {@code values[0, n)} by what they become on the wire and back, so that the worker that
   * keeps a result and the workers it sends it to hold the same bits.
   */
  public void round(float[] values, int n) {
    // exact on the wire: nothing to do
  }

  /** Floats as they are: a bulk copy out, a tight add loop in. */
  static final class RawCodec extends WireCodec {
    RawCodec() {
      super(Compression.NONE);
    }

    @Override
    public void encode(FloatBuffer src, int pos, int n, ChunkBuffer out, boolean roundSource) {
      out.floats.put(0, src, pos, n);
    }

    @Override
    public void addTo(ChunkBuffer in, FloatBuffer dst, int pos, int n) {
      FloatBuffer f = in.floats;
      for (int i = 0; i < n; i++) {
        dst.put(pos + i, dst.get(pos + i) + f.get(i));
      }
    }

    @Override
    public void copyTo(ChunkBuffer in, FloatBuffer dst, int pos, int n) {
      dst.put(pos, in.floats, 0, n);
    }
  }

  /** Two bytes per float; the subclasses say how a float is narrowed and widened. */
  abstract static class Narrow16Codec extends WireCodec {
    Narrow16Codec(Compression compression) {
      super(compression);
    }

    abstract short narrow(float f);

    abstract float widen(short s);

    @Override
    public final void encode(
        FloatBuffer src, int pos, int n, ChunkBuffer out, boolean roundSource) {
      ShortBuffer s = out.shorts;
      if (roundSource) {
        for (int i = 0; i < n; i++) {
          short h = narrow(src.get(pos + i));
          s.put(i, h);
          src.put(pos + i, widen(h));
        }
      } else {
        for (int i = 0; i < n; i++) {
          s.put(i, narrow(src.get(pos + i)));
        }
      }
    }

    @Override
    public final void addTo(ChunkBuffer in, FloatBuffer dst, int pos, int n) {
      ShortBuffer s = in.shorts;
      for (int i = 0; i < n; i++) {
        dst.put(pos + i, dst.get(pos + i) + widen(s.get(i)));
      }
    }

    @Override
    public final void copyTo(ChunkBuffer in, FloatBuffer dst, int pos, int n) {
      ShortBuffer s = in.shorts;
      for (int i = 0; i < n; i++) {
        dst.put(pos + i, widen(s.get(i)));
      }
    }

    @Override
    public final void round(float[] values, int n) {
      for (int i = 0; i < n; i++) {
        values[i] = widen(narrow(values[i]));
      }
    }
  }

  /** IEEE half precision on the wire. */
  static final class Fp16Codec extends Narrow16Codec {
    Fp16Codec() {
      super(Compression.FP16);
    }

    @Override
    short narrow(float f) {
      return HalfFloat.toHalf(f);
    }

    @Override
    float widen(short s) {
      return HalfFloat.fromHalf(s);
    }
  }

  /** bfloat16 on the wire. */
  static final class Bf16Codec extends Narrow16Codec {
    Bf16Codec() {
      super(Compression.BF16);
    }

    @Override
    short narrow(float f) {
      return HalfFloat.toBf16(f);
    }

    @Override
    float widen(short s) {
      return HalfFloat.fromBf16(s);
    }
  }
}
