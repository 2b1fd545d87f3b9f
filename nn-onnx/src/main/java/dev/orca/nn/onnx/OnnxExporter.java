package dev.orca.nn.onnx;

import dev.orca.nn.Model;
import dev.orca.nn.onnx.internal.Exporter;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes an engine {@link Model} as an ONNX model (opset {@value Exporter#OPSET}) with its current
 * weights, so that a model trained here runs in ONNX Runtime or any other ONNX tool:
 *
 * <pre>{@code
 * OnnxExporter.write(model, Path.of("model.onnx"));
 * }</pre>
 *
 * The exported model takes and gives the tensors the engine model does: batch first, images
 * channels-last {@code (N, H, W, C)}, integer ids as floats; inputs and outputs keep the engine
 * model's node names and have a variable batch dimension. A layer with no ONNX form (Constant)
 * fails naming the layer.
 */
public final class OnnxExporter {
  private OnnxExporter() {}

  /** The opset of exported models. */
  public static final int OPSET = Exporter.OPSET;

  /** The ONNX model file's bytes. */
  public static byte[] toBytes(Model model) {
    return Exporter.export(model, version()).toByteArray();
  }

  /** Writes the ONNX model to {@code out} (which stays open). */
  public static void write(Model model, OutputStream out) throws IOException {
    Exporter.export(model, version()).writeTo(out);
  }

  /** Writes the ONNX model file. */
  public static void write(Model model, Path file) throws IOException {
    try (OutputStream out = Files.newOutputStream(file)) {
      write(model, out);
    }
  }

  private static String version() {
    String v = OnnxExporter.class.getPackage().getImplementationVersion();
    return v == null ? "development" : v;
  }
}
