package dev.orca.nn.onnx;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.orca.OrcaDataException;
import dev.orca.nn.Engine;
import dev.orca.nn.Model;
import dev.orca.nn.onnx.internal.Importer;
import dev.orca.nn.onnx.proto.OnnxIr.ModelProto;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads an ONNX model into an engine {@link Model} that predicts and trains like any other (every
 * imported operator has a backward pass), for example a network exported from PyTorch:
 *
 * <pre>{@code
 * try (Model model = OnnxImporter.from(Path.of("resnet.onnx")).build()) {
 *   Tensor probabilities = model.predict(images);      // the ONNX model's input layout, batch first
 * }
 * }</pre>
 *
 * The engine computes channels-last and batch-first; the importer converts weights and inserts what
 * layout changes are needed, so inputs and outputs keep the ONNX model's layout. Layers are named
 * after the ONNX nodes (their main layer; helpers get a suffix), so their weights can be found with
 * {@link Model#parameter}. An operator or a form of it the importer does not support fails, naming
 * the node, the operator, the opset and the supported operators ({@link #supportedOps()}).
 */
public final class OnnxImporter {
  private final ModelProto model;
  private final String source;
  private Engine engine;
  private boolean batched = true;
  private long seed;

  private OnnxImporter(ModelProto model, String source) {
    this.model = model;
    this.source = source;
  }

  /** An ONNX model file. */
  public static OnnxImporter from(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return from(in, file.toString());
    }
  }

  /** An ONNX model read from a stream (to its end). */
  public static OnnxImporter from(InputStream in, String name) throws IOException {
    return from(in.readAllBytes(), name);
  }

  /** An ONNX model held in memory. */
  public static OnnxImporter from(byte[] bytes, String name) {
    try {
      return new OnnxImporter(ModelProto.parseFrom(bytes), name);
    } catch (InvalidProtocolBufferException e) {
      throw new OrcaDataException(
          "'" + name + "' is not an ONNX model file (" + e.getMessage() + ")", e);
    }
  }

  /** The engine to compute with (default {@link Engine#create()}). */
  public OnnxImporter optEngine(Engine engine) {
    this.engine = engine;
    return this;
  }

  /**
   * Whether the first axis of every input is the batch (default true). Off, every input tensor is
   * one whole sample: a model with fixed shapes whose first axis is data (ONNX's own node tests).
   */
  public OnnxImporter optBatchFirst(boolean batched) {
    this.batched = batched;
    return this;
  }

  /** The seed of the model's step seeds and of any weight the file does not give (default 0). */
  public OnnxImporter optSeed(long seed) {
    this.seed = seed;
    return this;
  }

  /** Builds the model; the caller closes it. */
  public Model build() {
    try {
      return Importer.build(model, batched, engine != null ? engine : Engine.create(), seed);
    } catch (OrcaDataException e) {
      throw new OrcaDataException("cannot import '" + source + "': " + e.getMessage(), e);
    }
  }

  /** The ONNX operators the importer translates, comma-separated. */
  public static String supportedOps() {
    return Importer.supportedOps();
  }
}
