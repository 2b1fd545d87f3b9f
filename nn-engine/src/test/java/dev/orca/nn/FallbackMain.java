package dev.orca.nn;

import dev.orca.nn.layers.Conv2D;
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
        Tensor y = m.predict(x);
        Model conv = convolution(engine);
        Tensor image = image();
        Tensor c = conv.predict(image)) {
      System.out.println(
          engine.backend()
              + " "
              + y.get(0)
              + " "
              + y.get(1)
              + " "
              + c.get(5)
              + " "
              + engine.dnnl());
    }
  }

  /** A convolution (oneDNN's where it loads) whose output the test compares. */
  static Model convolution(Engine engine) {
    return new Sequential(3, 3, 1).add(new Conv2D(2, 2)).optSeed(1).optEngine(engine).build();
  }

  static Tensor image() {
    return Tensor.of(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 3, 3, 1);
  }
}
