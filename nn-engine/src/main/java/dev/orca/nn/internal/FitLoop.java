package dev.orca.nn.internal;

import dev.orca.OrcaConfigurationException;
import dev.orca.OrcaDataException;
import dev.orca.nn.History;
import dev.orca.nn.Model;
import dev.orca.nn.Shape;
import dev.orca.nn.Tensor;
import dev.orca.nn.losses.Loss;
import dev.orca.nn.metrics.Metric;
import dev.orca.nn.optim.Optimizer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import dev.orca.common.Serialization;

/**
 * What {@code Model.compile} sets up: the optimizer, loss and metrics (private copies, so one
 * configuration can be given to many models) and the loops of {@code trainStep}, {@code fit} and
 * {@code evaluate}. Batches are gathered into buffers reused across steps.
 */
public final class FitLoop implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FitLoop.class);
  private final Model model;
  private final Optimizer optimizer;
  private final Loss loss;
  private final List<Metric> metrics;
  private final Tensor params;
  private final Tensor grads;
  private final int outputNode;
  private final Shape outputShape;
  private final List<Tensor> owned = new ArrayList<>();
  private Tensor[] gatherX;
  private Tensor gatherY;
  private Tensor[] viewX;
  private Tensor viewY;
  /** The loss gradient as backward's argument array, reused so that a step allocates nothing. */
  private final Tensor[] lossGrad = new Tensor[1];

  public FitLoop(Model model, Optimizer optimizer, Loss loss, List<Metric> metrics) {
    if (optimizer == null || loss == null) {
      throw new OrcaConfigurationException("compile needs an optimizer and a loss, got " + optimizer + " and " + loss);
    }
    if (model.graph().outputs.length != 1) {
      throw new OrcaConfigurationException("compile/fit train models with one output; this one has "
          + model.graph().outputs.length + ": use forward, backward and Optimizer.step directly");
    }
    this.model = model;
    this.optimizer = Serialization.copy(optimizer);
    this.loss = Serialization.copy(loss);
    List<Metric> copies = new ArrayList<>();
    for (Metric m : metrics) {
      copies.add(Serialization.copy(m));
    }
    this.metrics = List.copyOf(copies);
    this.params = model.parameterTensor();
    this.grads = model.gradientTensor();
    this.outputNode = model.graph().outputs[0];
    this.outputShape = model.graph().nodes[outputNode].shape;
  }

  public Optimizer optimizer() {
    return optimizer;
  }

  public Loss loss() {
    return loss;
  }

  public List<Metric> metrics() {
    return metrics;
  }

  /** Forward, loss, backward and update on one batch; returns the loss. */
  public double trainStep(Tensor[] xs, Tensor y) {
    Tensor out = model.forward(true, xs)[0];
    Tensor g = model.trainingPass().buffer(outputNode, Network.LOSS, out.dim(0), outputShape);
    double value = loss.compute(out, y, g);
    if (!Double.isFinite(value)) {
      throw new OrcaDataException("the " + loss.name() + " loss became " + value + " at step "
          + optimizer.iterations() + ": lower the learning rate, clip gradients, or check the data for NaN");
    }
    lossGrad[0] = g;
    model.backward(null, lossGrad);
    optimizer.step(model.engine(), params, grads);
    return value;
  }

  /** {@code epochs} passes over the data in mini-batches, shuffled with the model's seed. */
  public History fit(Tensor[] xs, Tensor y, int batchSize, int epochs) {
    int rows = checkData(xs, y, batchSize);
    if (epochs < 1) {
      throw new OrcaConfigurationException("epochs must be at least 1, got " + epochs);
    }
    int batch = Math.min(batchSize, rows);
    prepareGather(xs, y, batch);
    int[] order = new int[rows];
    History history = new History();
    for (int epoch = 0; epoch < epochs; epoch++) {
      shuffle(order, new SplittableRandom(Hash.mix(model.seed() + epoch)));
      double[][] states = newStates();
      double sum = 0;
      long t0 = System.nanoTime();
      for (int start = 0; start < rows; start += batch) {
        int b = Math.min(batch, rows - start);
        gather(xs, y, order, start, b);
        sum += trainStep(viewX, viewY) * b;
        Tensor out = model.trainingPass().buffer(outputNode, Network.OUT, b, outputShape);
        for (int m = 0; m < metrics.size(); m++) {
          metrics.get(m).update(states[m], out, viewY);
        }
      }
      Map<String, Double> values = results(sum / rows, states);
      history.add(values);
      LOG.debug("epoch {}/{}: {} ({} ms)", epoch + 1, epochs, values, (System.nanoTime() - t0) / 1_000_000);
    }
    return history;
  }

  /** The loss and metrics over the data, in inference mode, batch by batch in order. */
  public Map<String, Double> evaluate(Tensor[] xs, Tensor y, int batchSize) {
    int rows = checkData(xs, y, batchSize);
    double[][] states = newStates();
    double sum = 0;
    Tensor[] bx = new Tensor[xs.length];
    for (int start = 0; start < rows; start += batchSize) {
      int end = Math.min(rows, start + batchSize);
      for (int k = 0; k < xs.length; k++) {
        bx[k] = xs[k].rows(start, end);
      }
      Tensor by = y.rows(start, end);
      Tensor out = model.forward(false, bx)[0];
      sum += loss.compute(out, by, null) * (end - start);
      for (int m = 0; m < metrics.size(); m++) {
        metrics.get(m).update(states[m], out, by);
      }
    }
    return results(sum / rows, states);
  }

  private double[][] newStates() {
    double[][] states = new double[metrics.size()][];
    for (int m = 0; m < states.length; m++) {
      states[m] = metrics.get(m).newState();
    }
    return states;
  }

  private Map<String, Double> results(double meanLoss, double[][] states) {
    Map<String, Double> values = new LinkedHashMap<>();
    values.put("loss", meanLoss);
    for (int m = 0; m < metrics.size(); m++) {
      values.put(metrics.get(m).name(), metrics.get(m).result(states[m]));
    }
    return values;
  }

  private static int checkData(Tensor[] xs, Tensor y, int batchSize) {
    if (batchSize < 1) {
      throw new OrcaConfigurationException("batchSize must be at least 1, got " + batchSize);
    }
    int rows = y.dim(0);
    for (Tensor x : xs) {
      if (x.dim(0) != rows) {
        throw new OrcaDataException("features have " + x.dim(0) + " rows but labels have " + rows
            + ": give one label per row");
      }
    }
    if (rows == 0) {
      throw new OrcaDataException("there is no data: the feature tensors have 0 rows");
    }
    return rows;
  }

  private static void shuffle(int[] order, SplittableRandom random) {
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    for (int i = order.length - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
  }

  private void prepareGather(Tensor[] xs, Tensor y, int batch) {
    if (gatherX != null && gatherX.length == xs.length && gatherY.dim(0) >= batch
        && gatherY.shape().dropFirst().equals(y.shape().dropFirst()) && sameSamples(xs)) {
      return;
    }
    closeOwned();
    gatherX = new Tensor[xs.length];
    viewX = new Tensor[xs.length];
    for (int k = 0; k < xs.length; k++) {
      gatherX[k] = own(Tensor.zeros(xs[k].shape().with(0, batch)));
    }
    gatherY = own(Tensor.zeros(y.shape().with(0, batch)));
  }

  private boolean sameSamples(Tensor[] xs) {
    for (int k = 0; k < xs.length; k++) {
      if (!gatherX[k].shape().dropFirst().equals(xs[k].shape().dropFirst())) {
        return false;
      }
    }
    return true;
  }

  private Tensor own(Tensor t) {
    owned.add(t);
    return t;
  }

  /** Copies rows {@code order[start..start+b)} into the gather buffers and points the views at them. */
  private void gather(Tensor[] xs, Tensor y, int[] order, int start, int b) {
    for (int k = 0; k < xs.length; k++) {
      viewX[k] = copyRows(xs[k], gatherX[k], viewX[k], order, start, b);
    }
    viewY = copyRows(y, gatherY, viewY, order, start, b);
  }

  private static Tensor copyRows(Tensor src, Tensor dst, Tensor view, int[] order, int start, int b) {
    int width = src.size() / src.dim(0);
    for (int r = 0; r < b; r++) {
      dst.data().put(dst.offset() + r * width, src.data(), src.offset() + order[start + r] * width, width);
    }
    return view != null && view.dim(0) == b ? view : dst.rows(0, b);
  }

  private void closeOwned() {
    for (Tensor t : owned) {
      t.close();
    }
    owned.clear();
  }

  /** Frees the gather buffers and the optimizer's state; idempotent. */
  @Override
  public void close() {
    closeOwned();
    optimizer.close();
  }
}
