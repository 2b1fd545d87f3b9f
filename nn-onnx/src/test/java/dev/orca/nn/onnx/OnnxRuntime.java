package dev.orca.nn.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.Map;

/** Runs an ONNX model in ONNX Runtime on one input and returns its first output. */
final class OnnxRuntime {
  private OnnxRuntime() {}

  static float[] run(byte[] model, String input, float[] values, long[] shape, boolean ids)
      throws OrtException {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(1);
      try (OrtSession session = env.createSession(model, options);
          OnnxTensor x = tensor(env, values, shape, ids);
          OrtSession.Result result = session.run(Map.of(input, x))) {
        FloatBuffer out = ((OnnxTensor) result.get(0)).getFloatBuffer();
        float[] v = new float[out.remaining()];
        out.get(v);
        return v;
      }
    }
  }

  private static OnnxTensor tensor(OrtEnvironment env, float[] values, long[] shape, boolean ids)
      throws OrtException {
    if (ids) {
      long[] l = new long[values.length];
      for (int i = 0; i < l.length; i++) {
        l[i] = (long) values[i];
      }
      return OnnxTensor.createTensor(env, LongBuffer.wrap(l), shape);
    }
    return OnnxTensor.createTensor(env, FloatBuffer.wrap(values), shape);
  }
}
