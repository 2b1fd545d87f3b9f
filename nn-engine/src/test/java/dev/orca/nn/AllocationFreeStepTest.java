package dev.orca.nn;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Once warm, a training forward and backward through any layer allocates nothing on the heap, on
 * MKL and on oneDNN.
 */
class AllocationFreeStepTest {
  private static final int STEPS = 200;

  static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> cases() {
    return LayerCases.all()
        .flatMap(
            c ->
                java.util.stream.Stream.of(LayerCases.Engines.MKL, LayerCases.Engines.ONEDNN)
                    .map(e -> org.junit.jupiter.params.provider.Arguments.of(c, e)));
  }

  @ParameterizedTest(name = "{0} on {1}")
  @MethodSource("cases")
  void warmStepsAllocateNothing(LayerCases.Case c, LayerCases.Engines engine) {
    try (Model model = c.model(engine.engine(2))) {
      Tensor[] inputs = c.inputs(3);
      Tensor out = model.forward(true, inputs)[0];
      float[] g = new float[out.size()];
      SplittableRandom r = new SplittableRandom(1);
      for (int i = 0; i < g.length; i++) {
        g[i] = (float) r.nextGaussian();
      }
      try (Tensor gradOut = Tensor.of(g, out.shape().dims())) {
        Tensor[] grads = {gradOut}; // one array for every call, not a varargs array per call
        for (int i = 0; i < 20; i++) {
          model.forward(true, inputs);
          model.backward(grads);
        }
        com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        // the least of three rounds: a one-off allocation (a class initialised on this thread)
        // is not a per-step one
        double perStep = Double.MAX_VALUE;
        for (int round = 0; round < 3; round++) {
          long before = threads.getCurrentThreadAllocatedBytes();
          for (int i = 0; i < STEPS; i++) {
            model.forward(true, inputs);
            model.backward(grads);
          }
          perStep =
              Math.min(
                  perStep, (threads.getCurrentThreadAllocatedBytes() - before) / (double) STEPS);
        }
        assertTrue(perStep < 8, c + ": a warm step allocates " + perStep + " heap bytes");
      }
      for (Tensor t : inputs) {
        t.close();
      }
    }
  }
}
