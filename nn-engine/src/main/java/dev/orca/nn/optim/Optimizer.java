package dev.orca.nn.optim;

import dev.orca.OrcaConfigurationException;
import dev.orca.OrcaDataException;
import dev.orca.nn.Engine;
import dev.orca.nn.Tensor;
import dev.orca.nn.internal.Blas;
import java.io.Serializable;
import java.nio.FloatBuffer;

/**
 * Updates a model's flat parameter buffer from its flat gradient buffer, one whole model per call.
 * The configuration (rates, schedule, clipping) is serializable; the state (moment buffers laid out
 * like the parameters, and the step count) lives in native memory and is saved in the model file.
 * Every worker that applies the same summed gradients to the same parameters with the same state
 * takes the same step, which keeps replicas identical.
 *
 * <p>Gradient clipping happens before the update, in place: by global norm ({@link #optClipNorm})
 * and/or by value ({@link #optClipValue}).
 */
public abstract class Optimizer implements Serializable, AutoCloseable {
  private static final long serialVersionUID = 1L;
  private final LearningRateSchedule schedule;
  private double clipNorm;
  private double clipValue;
  private transient long iterations;
  private transient Tensor[] slots;

  /** Chunk arrays for the update: parameters, gradients, then one per slot. */
  private transient float[][] work;

  private transient float[][] workSlots;

  /** A parameter-sized buffer for the vector form of an update, made on first use. */
  private transient Tensor scratch;

  protected Optimizer(LearningRateSchedule schedule) {
    if (schedule == null) {
      throw new OrcaConfigurationException("an optimizer needs a learning rate schedule");
    }
    this.schedule = schedule;
  }

  /** Scales the whole gradient down when its L2 norm exceeds {@code maxNorm} (0 turns it off). */
  public Optimizer optClipNorm(double maxNorm) {
    if (maxNorm < 0) {
      throw new OrcaConfigurationException("clipNorm must be >= 0, got " + maxNorm);
    }
    this.clipNorm = maxNorm;
    return this;
  }

  /** Clamps each gradient element to [-value, value] (0 turns it off). */
  public Optimizer optClipValue(double value) {
    if (value < 0) {
      throw new OrcaConfigurationException("clipValue must be >= 0, got " + value);
    }
    this.clipValue = value;
    return this;
  }

  /**
   * One update of {@code params} from {@code grads} (same size); may clip {@code grads} in place.
   */
  public final void step(Engine engine, Tensor params, Tensor grads) {
    step(engine, params, grads, null);
  }

  /**
   * One update of the ranges {@code from0, to0, from1, to1...} of {@code params} (all of it if
   * {@code ranges} is null): the parameters of frozen layers lie outside them and stay as they are,
   * as does the state of this optimizer there.
   */
  public final void step(Engine engine, Tensor params, Tensor grads, int[] ranges) {
    if (params.size() != grads.size()) {
      throw new OrcaDataException(
          "parameters (" + params.size() + ") and gradients (" + grads.size() + ") differ in size");
    }
    Tensor[] s = slots(params.size());
    clip(engine, grads);
    float lr = (float) schedule.rate(iterations);
    iterations++;
    if (work == null) {
      work = new float[2][CHUNK];
      workSlots = new float[s.length][CHUNK];
    }
    // MKL runs the vector form on all its threads; the pure-Java backend keeps the fused loop
    boolean vectors = engine.backend() == Engine.Backend.MKL;
    if (ranges == null) {
      if (!(vectors && update(engine.blas(), params, grads, s, 0, params.size(), lr))) {
        update(params, grads, s, 0, params.size(), lr);
      }
      return;
    }
    for (int k = 0; k + 1 < ranges.length; k += 2) {
      if (!(vectors && update(engine.blas(), params, grads, s, ranges[k], ranges[k + 1], lr))) {
        update(params, grads, s, ranges[k], ranges[k + 1], lr);
      }
    }
  }

  private boolean update(
      Blas blas, Tensor params, Tensor grads, Tensor[] s, int from, int to, float lr) {
    if (scratch == null || scratch.size() < params.size()) {
      if (scratch != null) {
        scratch.close();
      }
      scratch = Tensor.zeros(params.size());
    }
    return update(blas, params, grads, s, scratch, from, to - from, lr, iterations);
  }

  /**
   * The update of {@code n} parameters from {@code from} as a few whole-vector operations of {@code
   * blas} (on MKL, each spread over its threads and vectorised: the fused Java loop of {@link
   * #update(float[], float[], float[][], int, float, long)} runs on one thread, and was most of
   * what a 2-thread MLP step spent outside its GEMMs); {@code scratch} holds at least {@code n}
   * floats. Returns false, having changed nothing, where this optimizer has no such form (the Java
   * loop then runs): the default.
   */
  protected boolean update(
      Blas blas,
      Tensor params,
      Tensor grads,
      Tensor[] slots,
      Tensor scratch,
      int from,
      int n,
      float lr,
      long t) {
    return false;
  }

  private void update(Tensor params, Tensor grads, Tensor[] s, int from, int to, float lr) {
    float[] p = work[0];
    float[] g = work[1];
    float[][] state = workSlots;
    for (int at = from; at < to; at += CHUNK) {
      int len = Math.min(CHUNK, to - at);
      params.data().get(params.offset() + at, p, 0, len);
      grads.data().get(grads.offset() + at, g, 0, len);
      for (int k = 0; k < s.length; k++) {
        s[k].data().get(s[k].offset() + at, state[k], 0, len);
      }
      update(p, g, state, len, lr, iterations);
      params.data().put(params.offset() + at, p, 0, len);
      for (int k = 0; k < s.length; k++) {
        s[k].data().put(s[k].offset() + at, state[k], 0, len);
      }
    }
  }

  private void clip(Engine engine, Tensor grads) {
    FloatBuffer g = grads.data();
    int off = grads.offset();
    int n = grads.size();
    if (clipValue > 0) {
      float v = (float) clipValue;
      for (int i = 0; i < n; i++) {
        g.put(off + i, Math.max(-v, Math.min(v, g.get(off + i))));
      }
    }
    if (clipNorm > 0) {
      double norm = Math.sqrt(engine.blas().dot(n, grads, 0, grads, 0));
      if (norm > clipNorm) {
        float scale = (float) (clipNorm / norm);
        for (int i = 0; i < n; i++) {
          g.put(off + i, g.get(off + i) * scale);
        }
      }
    }
  }

  /**
   * Parameters per chunk of an update: the update runs on Java arrays, which the JIT vectorises.
   */
  private static final int CHUNK = 4096;

  /**
   * Updates the first {@code n} parameters in {@code p} from the gradients in {@code g} with rate
   * {@code lr}; {@code t} is the 1-based step; {@code slots[k]} holds the matching piece of state
   * buffer {@code k}. Called chunk by chunk over the flat buffers.
   */
  protected abstract void update(float[] p, float[] g, float[][] slots, int n, float lr, long t);

  /** How many parameter-sized state buffers this optimizer keeps. */
  protected abstract int slotCount();

  /** The value a state buffer starts at. */
  protected float initialSlotValue(int slot) {
    return 0f;
  }

  /** The state buffers, allocated on first use for {@code size} parameters. */
  public final Tensor[] slots(int size) {
    if (slots == null || (slots.length > 0 && slots[0].size() != size)) {
      close();
      slots = new Tensor[slotCount()];
      for (int k = 0; k < slots.length; k++) {
        slots[k] = Tensor.zeros(size);
        if (initialSlotValue(k) != 0f) {
          slots[k].fill(initialSlotValue(k));
        }
      }
    }
    return slots;
  }

  /** Steps taken so far. */
  public final long iterations() {
    return iterations;
  }

  /**
   * Restores the step count (with {@link #slots(int)} filled by the caller): for the model file.
   */
  public final void restoreIterations(long iterations) {
    this.iterations = iterations;
  }

  /** The rate the next step will use. */
  public final double currentRate() {
    return schedule.rate(iterations);
  }

  public final LearningRateSchedule schedule() {
    return schedule;
  }

  /** Frees the state buffers; idempotent (a later step starts from fresh state). */
  @Override
  public final void close() {
    if (slots != null) {
      for (Tensor s : slots) {
        s.close();
      }
      slots = null;
    }
    work = null;
    workSlots = null;
    if (scratch != null) {
      scratch.close();
      scratch = null;
    }
  }
}
