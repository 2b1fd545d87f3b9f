package dev.orca.estimator.internal;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;

import dev.orca.OrcaConfigurationException;
import dev.orca.OrcaDataException;
import dev.orca.arrow.FloatBlock;
import dev.orca.data.ColumnFunction;
import dev.orca.data.XShards;
import dev.orca.estimator.Predictions;
import dev.orca.nn.losses.BinaryCrossEntropy;
import dev.orca.nn.losses.Loss;
import dev.orca.nn.losses.SparseCategoricalCrossEntropy;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The columns {@link Predictions} asks for, made from the model's raw outputs: on a DataFrame with
 * Spark SQL expressions over the raw column (no Java code per row), on XShards as float columns
 * computed from the raw block. Which function turns outputs into probabilities follows the loss the
 * model was trained with.
 */
public final class PredictionExpressions implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final String RAW = Predictions.PREDICTION; // where predict puts the outputs
  private static final String MAX = "__orca_max";
  private static final String EXP = "__orca_exp";
  private static final String SUM = "__orca_sum";

  /** How outputs become probabilities. */
  enum Link {
    SOFTMAX,
    SIGMOID,
    /** The outputs are probabilities already (a loss built for probabilities). */
    NONE_CATEGORICAL,
    NONE_BINARY
  }

  private final Predictions what;
  private final Link link;
  private final int outputs;

  private PredictionExpressions(Predictions what, Link link, int outputs) {
    this.what = what;
    this.link = link;
    this.outputs = outputs;
  }

  /**
   * The columns of {@code what} for a model with {@code outputs} outputs trained with {@code loss}.
   */
  public static PredictionExpressions of(Predictions what, Loss loss, int outputs) {
    Link link = null;
    switch (what.kind()) {
      case RAW -> {}
      case REGRESSION -> {
        if (outputs != 1) {
          throw new OrcaConfigurationException(
              "Predictions.regression() gives one double per row, but this model has "
                  + outputs
                  + " outputs; use Predictions.raw() for all of them");
        }
      }
      case CLASSES -> link = linkOf(loss, outputs);
    }
    return new PredictionExpressions(what, link, outputs);
  }

  private static Link linkOf(Loss loss, int outputs) {
    if (loss instanceof SparseCategoricalCrossEntropy s && outputs >= 2) {
      return s.fromLogits() ? Link.SOFTMAX : Link.NONE_CATEGORICAL;
    }
    if (loss instanceof BinaryCrossEntropy b) {
      return b.fromLogits() ? Link.SIGMOID : Link.NONE_BINARY;
    }
    throw new OrcaConfigurationException(
        "Predictions.classes() reads the outputs as the loss does, but this model was trained with "
            + (loss == null ? "no loss" : loss.name())
            + " on "
            + outputs
            + " output(s): classes come from sparse_categorical_crossentropy (2 or more outputs,"
            + " softmax) or binary_crossentropy (sigmoid). Use Predictions.raw() or"
            + " Predictions.regression() for this model.");
  }

  /** The columns added, in order. */
  public List<String> added() {
    List<String> out = new ArrayList<>(List.of(Predictions.PREDICTION));
    if (what.kind() == Predictions.Kind.CLASSES) {
      out.add(Predictions.PROBABILITY);
      if (what.keepsRaw()) {
        out.add(Predictions.RAW_PREDICTION);
      }
    }
    return out;
  }

  /** Fails before any work if {@code columns} already has a column this adds (in any case). */
  public void checkFree(String[] columns, String what) {
    for (String c : columns) {
      for (String a : added()) {
        if (c.equalsIgnoreCase(a)) {
          throw new OrcaDataException(
              what
                  + " already has a column '"
                  + c
                  + "', and predict adds "
                  + added()
                  + "; rename or drop it first, e.g. df.withColumnRenamed(\""
                  + c
                  + "\", \"previous_"
                  + a
                  + "\")");
        }
      }
    }
  }

  /**
   * {@code scored} (the input columns {@code inputs} and the raw outputs in {@code prediction})
   * with the columns asked for instead of the raw one.
   */
  public Dataset<Row> fromRaw(Dataset<Row> scored, String[] inputs) {
    List<Column> out = new ArrayList<>();
    for (String c : inputs) {
      out.add(col(quote(c)));
    }
    Dataset<Row> d = scored;
    switch (what.kind()) {
      case RAW -> out.add(col(RAW));
      case REGRESSION -> out.add(col(RAW).cast("double").as(Predictions.PREDICTION));
      case CLASSES -> {
        Column[] cls = classColumns();
        if (link == Link.SOFTMAX) {
          d =
              d.withColumn(MAX, expr("array_max(" + RAW + ")"))
                  .withColumn(
                      EXP,
                      expr("transform(" + RAW + ", x -> exp(cast(x as double) - " + MAX + "))"))
                  .withColumn(SUM, expr("aggregate(" + EXP + ", 0D, (a, x) -> a + x)"));
        }
        out.add(cls[0].as(Predictions.PREDICTION));
        out.add(cls[1].as(Predictions.PROBABILITY));
        if (what.keepsRaw()) {
          out.add(col(RAW).as(Predictions.RAW_PREDICTION));
        }
      }
    }
    return d.select(out.toArray(Column[]::new));
  }

  /** The class column and the probability column, as Spark SQL expressions. */
  private Column[] classColumns() {
    String r = RAW;
    return switch (link) {
      case SOFTMAX ->
          new Column[] {
            expr("cast(array_position(" + r + ", " + MAX + ") - 1 as int)"),
            expr("transform(" + EXP + ", x -> x / " + SUM + ")")
          };
      case NONE_CATEGORICAL ->
          new Column[] {
            expr("cast(array_position(" + r + ", array_max(" + r + ")) - 1 as int)"),
            expr("transform(" + r + ", x -> cast(x as double))")
          };
      case SIGMOID ->
          outputs == 1
              ? new Column[] {
                expr("cast(" + r + " >= 0 as int)"),
                expr("array(1 - 1 / (1 + exp(-" + r + ")), 1 / (1 + exp(-" + r + ")))")
              }
              : new Column[] {
                expr("transform(" + r + ", x -> cast(x >= 0 as int))"),
                expr("transform(" + r + ", x -> 1 / (1 + exp(-x)))")
              };
      case NONE_BINARY ->
          outputs == 1
              ? new Column[] {
                expr("cast(" + r + " >= 0.5 as int)"),
                expr("array(1 - cast(" + r + " as double), cast(" + r + " as double))")
              }
              : new Column[] {
                expr("transform(" + r + ", x -> cast(x >= 0.5 as int))"),
                expr("transform(" + r + ", x -> cast(x as double))")
              };
    };
  }

  /**
   * {@code data} with the columns asked for, computed by {@code raw} (the model's outputs): for
   * classes, the outputs go to {@code rawPrediction} (shards keep every column they are given), the
   * probabilities and the class (a float per row, or one per output for several sigmoid outputs)
   * are computed from them.
   */
  public XShards onShards(XShards data, ColumnFunction raw) {
    if (what.kind() != Predictions.Kind.CLASSES) {
      return data.withColumn(Predictions.PREDICTION, outputs, raw);
    }
    int probs = outputs == 1 ? 2 : outputs;
    boolean perOutput = (link == Link.SIGMOID || link == Link.NONE_BINARY) && outputs > 1;
    Link l = link;
    int n = outputs;
    return data.withColumn(Predictions.RAW_PREDICTION, outputs, raw)
        .withColumn(
            Predictions.PROBABILITY,
            probs,
            (shard, out) -> probabilities(l, n, shard.block(Predictions.RAW_PREDICTION), out))
        .withColumn(
            Predictions.PREDICTION,
            perOutput ? outputs : 1,
            (shard, out) -> classes(l, n, shard.block(Predictions.RAW_PREDICTION), out));
  }

  private static void probabilities(Link link, int n, FloatBlock raw, FloatBlock out) {
    for (int row = 0; row < raw.rows(); row++) {
      switch (link) {
        case SOFTMAX -> {
          double max = Double.NEGATIVE_INFINITY;
          for (int k = 0; k < n; k++) {
            max = Math.max(max, raw.get(row, k));
          }
          double sum = 0;
          for (int k = 0; k < n; k++) {
            sum += Math.exp(raw.get(row, k) - max);
          }
          for (int k = 0; k < n; k++) {
            out.set(row, k, (float) (Math.exp(raw.get(row, k) - max) / sum));
          }
        }
        case NONE_CATEGORICAL -> {
          for (int k = 0; k < n; k++) {
            out.set(row, k, raw.get(row, k));
          }
        }
        case SIGMOID, NONE_BINARY -> {
          for (int k = 0; k < n; k++) {
            double p =
                link == Link.SIGMOID
                    ? BinaryCrossEntropy.sigmoid(raw.get(row, k))
                    : raw.get(row, k);
            if (n == 1) {
              out.set(row, 0, (float) (1 - p));
              out.set(row, 1, (float) p);
            } else {
              out.set(row, k, (float) p);
            }
          }
        }
      }
    }
  }

  private static void classes(Link link, int n, FloatBlock raw, FloatBlock out) {
    float threshold = link == Link.SIGMOID ? 0f : 0.5f;
    for (int row = 0; row < raw.rows(); row++) {
      if (link == Link.SOFTMAX || link == Link.NONE_CATEGORICAL) {
        int best = 0;
        for (int k = 1; k < n; k++) {
          if (raw.get(row, k) > raw.get(row, best)) {
            best = k;
          }
        }
        out.set(row, 0, best);
      } else {
        for (int k = 0; k < n; k++) {
          out.set(row, k, raw.get(row, k) >= threshold ? 1 : 0);
        }
      }
    }
  }

  /** A column name as Spark's resolver reads it literally (dots and backticks included). */
  private static String quote(String column) {
    return "`" + column.replace("`", "``") + "`";
  }
}
