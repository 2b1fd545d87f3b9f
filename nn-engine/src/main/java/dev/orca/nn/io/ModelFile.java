package dev.orca.nn.io;

import dev.orca.OrcaDataException;
import dev.orca.common.Serialization;
import dev.orca.nn.Tensor;
import dev.orca.nn.internal.Graph;
import dev.orca.nn.internal.Network;
import dev.orca.nn.layers.ParameterSpec;
import dev.orca.nn.losses.Loss;
import dev.orca.nn.metrics.Metric;
import dev.orca.nn.optim.Optimizer;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * The model file: architecture, weights, state and (when compiled) optimizer, loss, metrics and
 * optimizer state, in sections behind a magic number and a format version, closed by a CRC-32. The
 * format is described in {@code nn-engine/MODEL_FORMAT.md}. Works on streams: the reader stops at
 * the end section, so a model can be one message among others on a socket.
 *
 * <p>Reading checks everything before it builds anything: a truncated, corrupted, foreign or
 * mismatched file fails with an {@link OrcaDataException} saying which, never with garbage weights.
 */
public final class ModelFile {
  /** "ORCA-NN" and a newline. */
  static final byte[] MAGIC = "ORCA-NN\n".getBytes(StandardCharsets.US_ASCII);

  /**
   * The format version this code writes. Version 2 added layers and the windows of Conv2D and
   * MaxPool2D (strides per axis, dilations, explicit padding); it also reads version 1.
   */
  public static final int VERSION = 2;

  /** The oldest version this code reads: version 1 layers load with their old meaning. */
  public static final int OLDEST_READ = 1;

  private static final int CHUNK = 1 << 14;

  /** Payloads up to this size are allocated at once; larger ones grow with the bytes read. */
  private static final int GROW_FROM = 1 << 20;

  private ModelFile() {}

  /**
   * What a model file holds: the architecture, the seed, the weights and state, and, for a compiled
   * model, its optimizer (with its state buffers and step count), loss and metrics.
   */
  public record Contents(
      Graph graph,
      long seed,
      Tensor parameters,
      Tensor state,
      Optimizer optimizer,
      Loss loss,
      List<Metric> metrics) {}

  /** Writes {@code model} to {@code out} (which stays open). */
  public static void write(Contents model, OutputStream out) throws IOException {
    CRC32 crc = new CRC32();
    DataOutputStream d = new DataOutputStream(new CheckedOutputStream(out, crc));
    d.write(MAGIC);
    d.writeInt(VERSION);
    section(d, "META", meta(model).getBytes(StandardCharsets.UTF_8));
    section(d, "ARCH", Serialization.toBytes(model.graph()));
    floats(d, "PARM", model.parameters());
    floats(d, "STAT", model.state());
    Optimizer optimizer = model.optimizer();
    if (optimizer != null) {
      section(
          d,
          "TRCF",
          Serialization.toBytes(
              new TrainingConfig(optimizer, model.loss(), model.metrics().toArray(new Metric[0]))));
      Tensor[] slots = optimizer.slots(model.parameters().size());
      ByteBuffer head =
          ByteBuffer.allocate(12).putLong(optimizer.iterations()).putInt(slots.length);
      section(d, "OPTS", head.array());
      for (Tensor slot : slots) {
        floats(d, "SLOT", slot);
      }
    }
    d.flush();
    long sum = crc.getValue();
    d.write("END ".getBytes(StandardCharsets.US_ASCII));
    d.writeLong(8);
    d.writeLong(sum);
    d.flush();
  }

  private static String meta(Contents model) {
    return "writer=Orca nn-engine\nformat="
        + VERSION
        + "\nseed="
        + model.seed()
        + "\nparameters="
        + model.parameters().size()
        + "\nstate="
        + model.state().size()
        + "\n";
  }

  private static void section(DataOutputStream d, String tag, byte[] payload) throws IOException {
    d.write(tag.getBytes(StandardCharsets.US_ASCII));
    d.writeLong(payload.length);
    d.write(payload);
  }

  /** Floats as little-endian IEEE 754, in chunks so that no copy of the whole tensor is made. */
  private static void floats(DataOutputStream d, String tag, Tensor t) throws IOException {
    d.write(tag.getBytes(StandardCharsets.US_ASCII));
    d.writeLong(4L * t.size());
    ByteBuffer chunk = ByteBuffer.allocate(4 * CHUNK).order(ByteOrder.LITTLE_ENDIAN);
    for (int at = 0; at < t.size(); at += CHUNK) {
      int n = Math.min(CHUNK, t.size() - at);
      chunk.clear();
      chunk.asFloatBuffer().put(0, t.data(), t.offset() + at, n);
      d.write(chunk.array(), 0, 4 * n);
    }
  }

  /**
   * Reads a model file from {@code in} (exactly up to its end section) and checks it: the checksum,
   * every section's presence and, against the architecture, every section's length. Nothing is
   * built yet: the caller makes the model and fills it from the result.
   */
  public static Parsed read(InputStream in) throws IOException {
    Sections s = sections(in);
    byte[] arch = s.require("ARCH");
    Graph graph = Serialization.fromBytes(arch, Graph.class, "model file's architecture section");
    Network network = ArchitectureCheck.network(graph, arch.length);
    long seed = seed(s.meta());
    checkLength(s, "PARM", network.parameterCount());
    checkLength(s, "STAT", network.stateCount());
    TrainingConfig training = null;
    long iterations = 0;
    if (s.has("TRCF")) {
      training =
          Serialization.fromBytes(
              s.require("TRCF"), TrainingConfig.class, "model file's training section");
      training.check();
      byte[] opts = s.require("OPTS");
      if (opts.length != 12) {
        throw new OrcaDataException(
            "the model file's OPTS section holds "
                + opts.length
                + " bytes instead of 12: the file is inconsistent");
      }
      ByteBuffer head = ByteBuffer.wrap(opts);
      iterations = head.getLong();
      int count = head.getInt();
      if (iterations < 0) {
        throw new OrcaDataException(
            "the model file gives the optimizer "
                + iterations
                + " steps: the file is inconsistent");
      }
      if (s.slots.size() != count) {
        throw new OrcaDataException(
            "the model file announces "
                + count
                + " optimizer state buffer(s) but holds "
                + s.slots.size()
                + ": the file is inconsistent");
      }
      for (int k = 0; k < count; k++) {
        if (s.slots.get(k).length != 4L * network.parameterCount()) {
          throw new OrcaDataException(
              "optimizer state buffer "
                  + k
                  + " has "
                  + s.slots.get(k).length / 4
                  + " floats, the model "
                  + network.parameterCount()
                  + ": the file is inconsistent");
        }
      }
    }
    return new Parsed(graph, network, seed, s, training, iterations);
  }

  /**
   * Reads a model file from {@code in} (exactly up to its end section) and checks that it is
   * complete and unaltered (magic, version, section lengths, checksum) without interpreting it: for
   * a file that is kept as bytes and loaded elsewhere, so that damage is reported where the file's
   * name is known.
   */
  public static void verify(InputStream in) throws IOException {
    sections(in);
  }

  private static long seed(Map<String, String> meta) {
    String seed = meta.getOrDefault("seed", "0");
    try {
      return Long.parseLong(seed);
    } catch (NumberFormatException e) {
      throw new OrcaDataException(
          "the model file's META section gives the seed '"
              + printable(seed)
              + "', not a whole number: the file is inconsistent",
          e);
    }
  }

  /** A read and checked model file, to fill a model of its architecture from. */
  public static final class Parsed {
    private final Graph graph;
    private final Network network;
    private final long seed;
    private final Sections sections;
    private final TrainingConfig training;
    private final long iterations;

    private Parsed(
        Graph graph,
        Network network,
        long seed,
        Sections sections,
        TrainingConfig training,
        long iterations) {
      this.graph = graph;
      this.network = network;
      this.seed = seed;
      this.sections = sections;
      this.training = training;
      this.iterations = iterations;
    }

    public Graph graph() {
      return graph;
    }

    /** The architecture's network (parameter and state layout), already built for the checks. */
    public Network network() {
      return network;
    }

    public long seed() {
      return seed;
    }

    /** True if the model was compiled when written. */
    public boolean isCompiled() {
      return training != null;
    }

    public Optimizer optimizer() {
      return training.optimizer;
    }

    public Loss loss() {
      return training.loss;
    }

    public Metric[] metrics() {
      return training.metrics;
    }

    /** Fills a model's parameters and state (tensors laid out as this file's architecture). */
    public void fillWeights(Tensor parameters, Tensor state) {
      fill(parameters, sections.require("PARM"));
      fill(state, sections.require("STAT"));
    }

    /**
     * Restores the optimizer's state buffers and step count into {@code optimizer} (of the same
     * kind).
     */
    public void fillOptimizerState(Optimizer optimizer, int parameterCount) {
      Tensor[] slots = optimizer.slots(parameterCount);
      if (slots.length != sections.slots.size()) {
        throw new OrcaDataException(
            "the model file holds "
                + sections.slots.size()
                + " optimizer state buffer(s), "
                + optimizer.getClass().getSimpleName()
                + " needs "
                + slots.length
                + ": the file is inconsistent");
      }
      for (int k = 0; k < slots.length; k++) {
        fill(slots[k], sections.slots.get(k));
      }
      optimizer.restoreIterations(iterations);
    }

    /**
     * Fails, naming the first difference, unless {@code target} lays out its parameters and state
     * exactly as this file's architecture does (same layers, names and shapes, in order).
     */
    public void checkSameLayout(Graph target) {
      List<String> theirs = parameterTable(graph);
      List<String> ours = parameterTable(target);
      for (int i = 0; i < Math.max(theirs.size(), ours.size()); i++) {
        String a = i < theirs.size() ? theirs.get(i) : "nothing";
        String b = i < ours.size() ? ours.get(i) : "nothing";
        if (!a.equals(b)) {
          throw new OrcaDataException(
              "the model file does not match this model: parameter "
                  + i
                  + " is "
                  + a
                  + " in the file but "
                  + b
                  + " in the model; load the file as a new model instead");
        }
      }
    }
  }

  /** "layer/param (shape)" for every parameter and state, in layout order. */
  private static List<String> parameterTable(Graph graph) {
    Network network = new Network(graph);
    List<String> table = new ArrayList<>();
    for (int i = 0; i < graph.nodes.length; i++) {
      if (graph.nodes[i].isInput()) {
        continue;
      }
      for (ParameterSpec p : graph.nodes[i].layer.parameters(network.inputShapes(i))) {
        table.add(graph.nodes[i].name + "/" + p.name() + " " + p.shape());
      }
      for (ParameterSpec p : graph.nodes[i].layer.states(network.inputShapes(i))) {
        table.add(graph.nodes[i].name + "/" + p.name() + " " + p.shape());
      }
    }
    return table;
  }

  private static void checkLength(Sections s, String tag, int floats) {
    if (s.require(tag).length != 4L * floats) {
      throw new OrcaDataException(
          "the model file's "
              + tag
              + " section holds "
              + s.require(tag).length / 4
              + " floats but its architecture needs "
              + floats
              + ": the file is inconsistent");
    }
  }

  private static void fill(Tensor t, byte[] bytes) {
    t.data()
        .put(
            t.offset(),
            ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer(),
            0,
            t.size());
  }

  /**
   * Reads and checks every section up to the end; nothing is interpreted before the checksum
   * matched.
   */
  private static Sections sections(InputStream in) throws IOException {
    CRC32 crc = new CRC32();
    DataInputStream d = new DataInputStream(new CheckedInputStream(in, crc));
    byte[] magic = new byte[MAGIC.length];
    String where = "magic number";
    try {
      d.readFully(magic);
      if (!Arrays.equals(magic, MAGIC)) {
        throw new OrcaDataException(
            "not an Orca model file: it starts with "
                + printable(new String(magic, StandardCharsets.ISO_8859_1))
                + " instead of ORCA-NN");
      }
      where = "format version";
      int version = d.readInt();
      if (version < OLDEST_READ || version > VERSION) {
        throw new OrcaDataException(
            "the model file has format version "
                + version
                + "; this Orca reads versions "
                + OLDEST_READ
                + " to "
                + VERSION
                + ": read it with the Orca version that wrote it");
      }
      Sections s = new Sections();
      while (true) {
        long before = crc.getValue();
        where = "section header";
        byte[] tagBytes = new byte[4];
        d.readFully(tagBytes);
        String tag = new String(tagBytes, StandardCharsets.US_ASCII);
        long length = d.readLong();
        if (length < 0 || length > Integer.MAX_VALUE - 16) {
          throw new OrcaDataException(
              "the model file is corrupted: section '"
                  + printable(tag)
                  + "' claims "
                  + length
                  + " bytes; restore it from a copy or write it again");
        }
        where = "section " + printable(tag) + " (" + length + " bytes)";
        if (tag.equals("END ")) {
          long stored = d.readLong();
          if (stored != before || length != 8) {
            throw new OrcaDataException(
                "the model file is corrupted: its checksum is "
                    + Long.toHexString(stored)
                    + " but its contents sum to "
                    + Long.toHexString(before)
                    + "; restore it from a copy or write it again");
          }
          return s;
        }
        s.add(tag, payload(d, (int) length, tag));
      }
    } catch (EOFException e) {
      throw new OrcaDataException(
          "the model file is truncated: it ends inside its "
              + where
              + "; write it again or fetch a complete copy",
          e);
    }
  }

  /**
   * A section's payload. The length is not yet covered by the checksum, so the array grows only as
   * bytes arrive (unless the stream already holds them): a corrupted length cannot make the reader
   * allocate more than the file holds.
   */
  private static byte[] payload(DataInputStream d, int length, String tag) throws IOException {
    if (length <= Math.max(GROW_FROM, d.available())) {
      byte[] payload = new byte[length];
      d.readFully(payload);
      return payload;
    }
    byte[] payload = new byte[GROW_FROM];
    int filled = 0;
    while (filled < length) {
      if (filled == payload.length) {
        payload = Arrays.copyOf(payload, (int) Math.min(length, 2L * payload.length));
      }
      int n = d.read(payload, filled, payload.length - filled);
      if (n < 0) {
        throw new OrcaDataException(
            "the model file is truncated or corrupted: its section '"
                + printable(tag)
                + "' claims "
                + length
                + " bytes but the file ends after "
                + filled
                + " of them; write it again or fetch a complete copy");
      }
      filled += n;
    }
    return payload;
  }

  /** {@code s} with anything but printable ASCII as '?', for messages about damaged bytes. */
  static String printable(String s) {
    return s.replaceAll("[^\\x20-\\x7e]", "?");
  }

  /** The sections of one file, by tag; optimizer slots in order. */
  private static final class Sections {
    final Map<String, byte[]> byTag = new HashMap<>();
    final List<byte[]> slots = new ArrayList<>();

    void add(String tag, byte[] payload) {
      if (tag.equals("SLOT")) {
        slots.add(payload);
      } else {
        byTag.put(tag, payload);
      }
    }

    boolean has(String tag) {
      return byTag.containsKey(tag);
    }

    byte[] require(String tag) {
      byte[] b = byTag.get(tag);
      if (b == null) {
        throw new OrcaDataException("the model file has no " + tag + " section: it is incomplete");
      }
      return b;
    }

    Map<String, String> meta() {
      Map<String, String> m = new HashMap<>();
      for (String line : new String(require("META"), StandardCharsets.UTF_8).split("\n")) {
        int eq = line.indexOf('=');
        if (eq > 0) {
          m.put(line.substring(0, eq), line.substring(eq + 1));
        }
      }
      return m;
    }
  }

  /** The compiled training configuration, as one serializable value. */
  private static final class TrainingConfig implements Serializable {
    private static final long serialVersionUID = 1L;
    final Optimizer optimizer;
    final Loss loss;
    final Metric[] metrics;

    TrainingConfig(Optimizer optimizer, Loss loss, Metric[] metrics) {
      this.optimizer = optimizer;
      this.loss = loss;
      this.metrics = metrics;
    }

    /** What a written configuration always has: a forged one may lack it. */
    void check() {
      boolean complete = optimizer != null && loss != null && metrics != null;
      for (int i = 0; complete && i < metrics.length; i++) {
        complete = metrics[i] != null;
      }
      if (!complete) {
        throw new OrcaDataException(
            "the model file's training section lacks its optimizer, loss or a metric: the file is"
                + " inconsistent");
      }
    }
  }
}
