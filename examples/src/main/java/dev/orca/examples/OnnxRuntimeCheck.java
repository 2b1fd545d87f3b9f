package dev.orca.examples;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Map;

/**
 * Runs an ONNX model file in ONNX Runtime: the independent check that a model exported by Orca runs
 * elsewhere. ONNX Runtime is a dependency of the examples but not of the application jar
 * (orca-assembly leaves its 139 MB out): {@link #available()} says whether it is on the classpath.
 */
final class OnnxRuntimeCheck {
  private OnnxRuntimeCheck() {}

  /** Whether ONNX Runtime's Java API is on the classpath. */
  static boolean available() {
    try {
      Class.forName(
          "ai.onnxruntime.OrtEnvironment", false, OnnxRuntimeCheck.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }

  /** The first output of {@code model} for {@code values} of {@code shape} fed to {@code input}. */
  static float[] run(Path model, String input, float[] values, long[] shape) throws OrtException {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(1);
      try (OrtSession session = env.createSession(model.toString(), options);
          OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(values), shape);
          OrtSession.Result result = session.run(Map.of(input, x))) {
        FloatBuffer out = ((OnnxTensor) result.get(0)).getFloatBuffer();
        float[] v = new float[out.remaining()];
        out.get(v);
        return v;
      }
    }
  }
}
