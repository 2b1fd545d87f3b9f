package dev.orca.nn.layers;

import dev.orca.nn.Engine;
import dev.orca.nn.Shape;
import dev.orca.nn.Tensor;
import dev.orca.nn.internal.Blas;
import dev.orca.nn.internal.dnnl.DnnlStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The memory one forward/backward pass works in: every node's output and gradient and every layer's
 * scratch (caches for backward, masks, im2col matrices). A model keeps one workspace for training
 * and one per concurrent inference call, so that layers themselves hold no per-call state and
 * inference is thread-safe. Buffers grow to the largest batch seen and are reused: steps of the
 * same batch size allocate nothing.
 *
 * <p>Created and driven by the model; layers only call the accessors.
 */
public final class Workspace implements AutoCloseable {
  private final Blas blas;
  private final DnnlStream dnnl;

  /** Per node: objects a layer keeps between calls (its oneDNN primitives), closed with this. */
  private final AutoCloseable[][] kept;

  /** Per node: the model's buffers (output, gradient...), then the layer's own scratch. */
  private final Slot[][] model;

  private final Slot[][] slots;
  private final Tensor[][] views;
  private final Tensor[][][] arrays;
  private final Shape[][] shapes;
  private final List<List<int[]>> ints;
  private boolean training;
  private long seed;
  private int node;

  /** A workspace for a model of {@code nodes} nodes. */
  public Workspace(Engine engine, int nodes) {
    this.blas = engine.blas();
    this.dnnl = engine.dnnl() ? new DnnlStream(engine.threads()) : null;
    this.kept = new AutoCloseable[nodes][];
    this.model = new Slot[nodes][];
    this.slots = new Slot[nodes][];
    this.views = new Tensor[nodes][];
    this.arrays = new Tensor[nodes][][];
    this.shapes = new Shape[nodes][];
    this.ints = new ArrayList<>();
    for (int i = 0; i < nodes; i++) {
      kept[i] = new AutoCloseable[0];
      model[i] = new Slot[0];
      slots[i] = new Slot[0];
      views[i] = new Tensor[0];
      arrays[i] = new Tensor[0][];
      shapes[i] = new Shape[0];
      ints.add(new ArrayList<>());
    }
  }

  /** Whether this pass trains (Dropout drops, BatchNorm uses batch statistics). */
  public boolean training() {
    return training;
  }

  /** The seed of this step's random draws (Dropout masks). */
  public long seed() {
    return seed;
  }

  /** The index of the node whose layer runs now; random draws mix it in. */
  public int node() {
    return node;
  }

  public Blas blas() {
    return blas;
  }

  /** Where the layers run oneDNN primitives, or null when the engine does not use oneDNN. */
  public DnnlStream dnnl() {
    return dnnl;
  }

  /** What the current layer keeps in {@code slot} if it is a {@code type}, else null. */
  public <T extends AutoCloseable> T kept(int slot, Class<T> type) {
    AutoCloseable[] k = kept[node];
    return slot < k.length && type.isInstance(k[slot]) ? type.cast(k[slot]) : null;
  }

  /** Keeps {@code value} in the current layer's {@code slot}, closing what was there. */
  public <T extends AutoCloseable> T keep(int slot, T value) {
    AutoCloseable[] k = kept[node];
    if (slot >= k.length) {
      kept[node] = k = java.util.Arrays.copyOf(k, slot + 1);
    }
    closeQuietly(k[slot]);
    k[slot] = value;
    return value;
  }

  private static void closeQuietly(AutoCloseable c) {
    if (c != null) {
      try {
        c.close();
      } catch (Exception e) {
        throw new IllegalStateException("closing " + c + " failed", e);
      }
    }
  }

  /** Set by the model before each layer call. */
  public void enter(int node, boolean training, long seed) {
    this.node = node;
    this.training = training;
    this.seed = seed;
  }

  /**
   * Scratch {@code slot} of the current layer, shaped like {@code like}; reused while that shape
   * stays.
   */
  public Tensor scratchLike(int slot, Tensor like) {
    Slot s = slot(slots, node, slot);
    return s.matches(like.shape()) ? s.view : s.reshape(like.shape());
  }

  /** A 2-D scratch {@code (rows, cols)} of the current layer; reused while the size stays. */
  public Tensor scratch(int slot, int rows, int cols) {
    Slot s = slot(slots, node, slot);
    return s.matches(rows, cols) ? s.view : s.reshape(Shape.of(rows, cols));
  }

  /**
   * Buffer {@code slot} of any node, shaped {@code (batch, sample...)}: the model keeps outputs and
   * gradients here.
   */
  public Tensor buffer(int node, int slot, int batch, Shape sample) {
    Slot s = slot(model, node, slot);
    return s.matches(batch, sample) ? s.view : s.reshape(sample.withBatch(batch));
  }

  /**
   * View {@code slot} of the current layer: {@code t}'s elements as {@code (rows, sample...)}. The
   * view object is kept and reused while {@code t} lies at the same place with the same size, so a
   * layer that reinterprets its input (TimeDistributed, Conv1D) allocates nothing per step.
   */
  public Tensor view(int slot, Tensor t, int rows, Shape sample) {
    Tensor[] v = views[node];
    if (slot >= v.length) {
      views[node] = v = java.util.Arrays.copyOf(v, slot + 1);
    }
    Tensor cached = v[slot];
    if (cached == null
        || cached.data() != t.data()
        || cached.offset() != t.offset()
        || !sameShape(cached, rows, sample)) {
      cached = t.view(0, sample.withBatch(rows));
      v[slot] = cached;
    }
    return cached;
  }

  /** A reusable array of {@code n} tensor references of the current layer (argument lists). */
  public Tensor[] tensors(int slot, int n) {
    Tensor[][] a = arrays[node];
    if (slot >= a.length) {
      arrays[node] = a = java.util.Arrays.copyOf(a, slot + 1);
    }
    if (a[slot] == null || a[slot].length != n) {
      a[slot] = new Tensor[n];
    }
    return a[slot];
  }

  /** The dimensions of {@code t} from axis {@code from} on, as a shape kept and reused per slot. */
  public Shape shape(int slot, Tensor t, int from) {
    Shape[] s = shapes[node];
    if (slot >= s.length) {
      shapes[node] = s = java.util.Arrays.copyOf(s, slot + 1);
    }
    Shape cached = s[slot];
    boolean same = cached != null && cached.rank() == t.rank() - from;
    for (int i = 0; same && i < cached.rank(); i++) {
      same = cached.dim(i) == t.dim(i + from);
    }
    if (!same) {
      cached = Shape.of(java.util.Arrays.copyOfRange(t.shape().dims(), from, t.rank()));
      s[slot] = cached;
    }
    return cached;
  }

  private static boolean sameShape(Tensor t, int rows, Shape sample) {
    if (t.rank() != sample.rank() + 1 || t.dim(0) != rows) {
      return false;
    }
    for (int i = 0; i < sample.rank(); i++) {
      if (t.dim(i + 1) != sample.dim(i)) {
        return false;
      }
    }
    return true;
  }

  private static Slot slot(Slot[][] slots, int node, int slot) {
    Slot[] s = slots[node];
    if (slot >= s.length) {
      Slot[] grown = java.util.Arrays.copyOf(s, slot + 1);
      for (int i = s.length; i <= slot; i++) {
        grown[i] = new Slot();
      }
      slots[node] = s = grown;
    }
    return s[slot];
  }

  /** An int array of at least {@code size} for the current layer (e.g. max-pool positions). */
  public int[] ints(int slot, int size) {
    List<int[]> list = ints.get(node);
    while (list.size() <= slot) {
      list.add(new int[0]);
    }
    if (list.get(slot).length < size) {
      list.set(slot, new int[size]);
    }
    return list.get(slot);
  }

  /** Native bytes this workspace holds. */
  public long bytes() {
    long total = 0;
    for (Slot[][] all : new Slot[][][] {model, slots}) {
      for (Slot[] s : all) {
        for (Slot slot : s) {
          total += slot.capacity == null ? 0 : 4L * slot.capacity.size();
        }
      }
    }
    return total + (dnnl == null ? 0 : dnnl.bytes());
  }

  /** Frees every buffer and oneDNN object; idempotent. */
  @Override
  public void close() {
    for (AutoCloseable[] k : kept) {
      for (int i = 0; i < k.length; i++) {
        closeQuietly(k[i]);
        k[i] = null;
      }
    }
    if (dnnl != null) {
      dnnl.close();
    }
    for (Slot[][] all : new Slot[][][] {model, slots}) {
      for (Slot[] s : all) {
        for (Slot slot : s) {
          slot.close();
        }
      }
    }
  }

  /** One reusable buffer: grown capacity plus a view of the current shape. */
  private static final class Slot {
    Tensor capacity;
    Tensor view;

    boolean matches(Shape shape) {
      return view != null && view.shape().equals(shape);
    }

    boolean matches(int rows, int cols) {
      return view != null && view.rank() == 2 && view.dim(0) == rows && view.dim(1) == cols;
    }

    boolean matches(int batch, Shape sample) {
      if (view == null || view.rank() != sample.rank() + 1 || view.dim(0) != batch) {
        return false;
      }
      for (int i = 0; i < sample.rank(); i++) {
        if (view.dim(i + 1) != sample.dim(i)) {
          return false;
        }
      }
      return true;
    }

    Tensor reshape(Shape shape) {
      if (capacity == null || capacity.size() < shape.size()) {
        close();
        capacity = Tensor.zeros(shape.size());
      }
      view = capacity.view(0, shape);
      return view;
    }

    void close() {
      if (capacity != null) {
        capacity.close();
        capacity = null;
        view = null;
      }
    }
  }
}
