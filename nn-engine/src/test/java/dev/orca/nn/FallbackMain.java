package dev.orca.nn;

import dev.orca.nn.layers.Dense;
import dev.orca.nn.layers.ReLU;

/**
 * Run by {@link FallbackTest} in a JVM without MKL's native libraries: prints the chosen backend
 * and an output.
 */
public final class FallbackMain {
  private FallbackMain() {}

  public static void main(String[] args) {
    Engine engine = Engine.create(2);
    try (Model m =
            new Sequential(3)
                .add(new Dense(4))
                .add(new ReLU())
                .add(new Dense(2))
                .optSeed(1)
                .build();
        Tensor x = Tensor.of(new float[] {1, 2, 3}, 1, 3);
        Tensor y = m.predict(x)) {
      System.out.println(engine.backend() + " " + y.get(0) + " " + y.get(1));
    }
  }
}
