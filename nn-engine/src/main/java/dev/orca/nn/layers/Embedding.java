package dev.orca.nn.layers;

import dev.orca.OrcaDataException;
import dev.orca.nn.Shape;
import dev.orca.nn.Tensor;
import java.nio.FloatBuffer;
import java.util.List;

/**
 * Maps integer ids (stored as floats, as Arrow and Spark hand over numeric columns) to learned
 * vectors: a per-sample input of shape {@code (length,)} becomes {@code (length, outputDim)} (any
 * shape of ids gains a last axis of {@code outputDim}; a single id per sample is {@code ()}). An id
 * that is not a whole number in {@code [0, inputDim)} fails with the id and its position.
 */
public final class Embedding extends Layer {
  private static final long serialVersionUID = 1L;
  private final int inputDim;
  private final int outputDim;

  public Embedding(int inputDim, int outputDim) {
    require(
        inputDim > 0 && outputDim > 0,
        "inputDim and outputDim must be positive, got " + inputDim + ", " + outputDim);
    this.inputDim = inputDim;
    this.outputDim = outputDim;
  }

  @Override
  public Shape outputShape(Shape... in) {
    int[] d = java.util.Arrays.copyOf(in[0].dims(), in[0].rank() + 1);
    d[d.length - 1] = outputDim;
    return Shape.of(d);
  }

  public int inputDim() {
    return inputDim;
  }

  public int outputDim() {
    return outputDim;
  }

  @Override
  public List<ParameterSpec> parameters(Shape... in) {
    return List.of(
        new ParameterSpec(
            "embeddings",
            Shape.of(inputDim, outputDim),
            Initializer.GLOROT_UNIFORM,
            inputDim,
            outputDim));
  }

  @Override
  public String describe() {
    return inputDim + " ids -> " + outputDim;
  }

  @Override
  public void forward(Workspace ws, Tensor[] in, Tensor out) {
    Tensor ids = in[0];
    Tensor table = param(0);
    FloatBuffer o = out.data();
    for (int i = 0, n = ids.size(); i < n; i++) {
      o.put(
          out.offset() + i * outputDim,
          table.data(),
          table.offset() + id(ids, i) * outputDim,
          outputDim);
    }
  }

  private int id(Tensor ids, int i) {
    float v = ids.data().get(ids.offset() + i);
    int id = (int) v;
    if (id != v || id < 0 || id >= inputDim) {
      throw new OrcaDataException(
          label()
              + ": id "
              + v
              + " at position "
              + i
              + " is not a whole number in [0, "
              + inputDim
              + "): re-index the ids or raise inputDim");
    }
    return id;
  }

  @Override
  public void backward(Workspace ws, Tensor[] in, Tensor out, Tensor g, Tensor[] gradIn) {
    Tensor ids = in[0];
    if (!isFrozen()) {
      Tensor dTable = grad(0);
      dTable.fill(0f);
      FloatBuffer d = dTable.data();
      FloatBuffer gs = g.data();
      for (int i = 0, n = ids.size(); i < n; i++) {
        int row = dTable.offset() + id(ids, i) * outputDim;
        int src = g.offset() + i * outputDim;
        for (int j = 0; j < outputDim; j++) {
          d.put(row + j, d.get(row + j) + gs.get(src + j));
        }
      }
    }
    if (gradIn[0] != null) {
      gradIn[0].fill(0f);
    }
  }
}
