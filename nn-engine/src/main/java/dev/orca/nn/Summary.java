package dev.orca.nn;

import dev.orca.nn.internal.Graph;
import dev.orca.nn.internal.Network;

/** Writes a model's Keras-style summary table. */
final class Summary {
  private Summary() {}

  static String of(Graph graph, Network network, Engine engine) {
    StringBuilder b = new StringBuilder();
    String rule = "-".repeat(96) + "\n";
    b.append(
        String.format(
            "%-28s %-18s %12s  %s%n", "Layer (type)", "Output shape", "Params", "Inputs / config"));
    b.append(rule.replace('-', '='));
    long state = network.stateCount();
    for (int i = 0; i < graph.nodes.length; i++) {
      Graph.Node node = graph.nodes[i];
      String type =
          node.isInput()
              ? "Input"
              : node.layer.getClass().getSimpleName() + (node.layer.isFrozen() ? ", frozen" : "");
      StringBuilder from = new StringBuilder();
      for (int in : node.inputs) {
        from.append(from.length() > 0 ? ", " : "").append(graph.nodes[in].name);
      }
      String config = node.isInput() ? "" : node.layer.describe();
      String extra = from.length() == 0 ? config : from + (config.isEmpty() ? "" : "; " + config);
      b.append(
          String.format(
              "%-28s %-18s %,12d  %s%n",
              node.name + " (" + type + ")",
              node.shape,
              network.paramTo(i) - network.paramFrom(i),
              extra));
    }
    b.append(rule.replace('-', '='));
    b.append(
        String.format(
            "Total params: %,d (%s)%n",
            network.parameterCount(), bytes(4L * network.parameterCount())));
    int[] trainable = network.trainableRanges();
    long trained = 0;
    for (int k = 0; k < trainable.length; k += 2) {
      trained += trainable[k + 1] - trainable[k];
    }
    if (trained < network.parameterCount()) {
      b.append(
          String.format(
              "Trainable params: %,d; frozen: %,d%n", trained, network.parameterCount() - trained));
    }
    b.append(String.format("Non-trainable state: %,d%n", state));
    b.append("Engine: ").append(engine).append('\n');
    return b.toString();
  }

  private static String bytes(long n) {
    return n < 1 << 20
        ? String.format("%.1f KiB", n / 1024.0)
        : String.format("%.1f MiB", n / 1048576.0);
  }
}
