package dev.orca.nn.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.nn.Engine;
import dev.orca.nn.Model;
import dev.orca.nn.Tensor;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The PyTorch models of make_onnx_fixtures.py, imported: the engine gives what ONNX Runtime gives
 * (and what PyTorch gave) on the same input within 1e-4; exported again, ONNX Runtime gives what
 * the engine gives within 1e-4.
 */
class OnnxRuntimeAgreementTest {
  private static final double TOLERANCE = 1e-4;

  static String[] fixtures() {
    return Fixtures.NAMES;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fixtures")
  void importedModelsGiveOnnxRuntimesOutputs(String name) throws Exception {
    byte[] onnx = Fixtures.bytes(name + ".onnx");
    Npy x = Fixtures.npy(name + ".input.npy");
    Npy torch = Fixtures.npy(name + ".output.npy");
    float[] ort = OnnxRuntime.run(onnx, "input", x.values(), x.shape(), Fixtures.ids(name));
    try (Model model =
            OnnxImporter.from(onnx, name).optEngine(Engine.of(Engine.Backend.MKL, 2)).build();
        Tensor in = Tensor.of(x.values(), toInts(x.shape()));
        Tensor out = model.predict(in)) {
      float[] engine = out.toArray();
      double vsOrt = maxAbsDiff(engine, ort);
      double vsTorch = maxAbsDiff(engine, torch.values());
      System.out.printf(
          "import %-13s max |engine - ORT| = %.3g, max |engine - PyTorch| = %.3g (%d values)%n",
          name, vsOrt, vsTorch, engine.length);
      assertTrue(vsOrt <= TOLERANCE, name + ": engine and ONNX Runtime differ by " + vsOrt);
      assertTrue(vsTorch <= TOLERANCE, name + ": engine and PyTorch differ by " + vsTorch);
      assertArrayEquals(toInts(torch.shape()), Arrays.copyOf(out.shape().dims(), out.rank()));
    }
  }

  static int[] toInts(long[] l) {
    return Arrays.stream(l).mapToInt(v -> (int) v).toArray();
  }

  static double maxAbsDiff(float[] a, float[] b) {
    if (a.length != b.length) {
      return Double.POSITIVE_INFINITY;
    }
    double worst = 0;
    for (int i = 0; i < a.length; i++) {
      worst = Math.max(worst, Math.abs(a[i] - b[i]));
    }
    return worst;
  }
}
