package dev.orca.nn.onnx;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** The models of src/test/python/make_onnx_fixtures.py, from the test resources. */
final class Fixtures {
  static final String[] NAMES = {
    "mlp", "lenet", "residual_cnn", "lstm", "gru", "embedding", "conv1d"
  };

  private Fixtures() {}

  static byte[] bytes(String file) {
    try (InputStream in = Fixtures.class.getResourceAsStream("fixtures/" + file)) {
      if (in == null) {
        throw new IllegalStateException("no test resource fixtures/" + file);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Npy npy(String file) {
    try (InputStream in = Fixtures.class.getResourceAsStream("fixtures/" + file)) {
      return Npy.read(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A fixture parsed. */
  static dev.orca.nn.onnx.proto.OnnxIr.ModelProto model(String file) {
    try {
      return dev.orca.nn.onnx.proto.OnnxIr.ModelProto.parseFrom(bytes(file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Whether the model's input is integer ids (fed to ONNX Runtime as int64). */
  static boolean ids(String name) {
    return name.equals("embedding");
  }
}
