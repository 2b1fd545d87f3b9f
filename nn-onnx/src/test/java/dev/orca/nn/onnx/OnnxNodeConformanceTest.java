package dev.orca.nn.onnx;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.orca.OrcaDataException;
import dev.orca.nn.Engine;
import dev.orca.nn.Model;
import dev.orca.nn.Tensor;
import dev.orca.nn.onnx.proto.OnnxIr.GraphProto;
import dev.orca.nn.onnx.proto.OnnxIr.ModelProto;
import dev.orca.nn.onnx.proto.OnnxIr.NodeProto;
import dev.orca.nn.onnx.proto.OnnxIr.TensorProto;
import dev.orca.nn.onnx.proto.OnnxIr.ValueInfoProto;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * ONNX's own node tests (ONNX 1.12's backend test data, Debian's libonnx-testdata): every test
 * whose operators the importer claims is imported and run, and each output must match ONNX's
 * expected output within ONNX's backend-test tolerances (rtol 1e-3, atol 1e-7). A failure is a
 * defect. The forms of a claimed operator the importer refuses on purpose are listed in {@link
 * #REFUSED} with the reason, and must be refused with that reason (so the list stays true).
 *
 * <p>Each test's first input is fed at run time as one whole sample (no batch axis: node tests'
 * first axis is data); the other inputs (weights, shapes, indices) become initializers with the
 * test's values, as an exported model has them.
 *
 * <p>Without the test data (at {@code /usr/share/libonnx-testdata/data/node}, or {@code
 * -Dorca.onnx.testdata=...}) the test is skipped with a message saying how to install it, except
 * under CI ({@code CI=true}), where it fails: {@code .ci/run} installs the package.
 */
class OnnxNodeConformanceTest {
  static final double RTOL = 1e-3;
  static final double ATOL = 1e-7;

  static final Path DATA =
      Path.of(System.getProperty("orca.onnx.testdata", "/usr/share/libonnx-testdata/data/node"));

  /** Node tests of claimed operators whose form the importer refuses, with the reason it gives. */
  static final Map<String, String> REFUSED =
      Map.ofEntries(
          Map.entry("test_constant", "is a constant; the engine computes outputs from inputs"),
          Map.entry("test_add_uint8", "element type UINT8"),
          Map.entry("test_sub_uint8", "element type UINT8"),
          Map.entry("test_mul_uint8", "element type UINT8"),
          Map.entry("test_div_uint8", "element type UINT8"),
          Map.entry("test_maxpool_2d_uint8", "element type UINT8"),
          Map.entry("test_averagepool_3d_default", "only 1-D and 2-D pooling"),
          Map.entry("test_maxpool_3d_default", "only 1-D and 2-D pooling"),
          Map.entry("test_maxpool_with_argmax_2d_precomputed_pads", "Indices output"),
          Map.entry("test_maxpool_with_argmax_2d_precomputed_strides", "Indices output"),
          Map.entry("test_identity_opt", "is not a tensor"),
          Map.entry("test_identity_sequence", "is not a tensor"),
          Map.entry("test_reshape_allowzero_reordered", "empty axis"),
          Map.entry("test_lstm_with_peepholes", "peepholes"),
          Map.entry("test_batchnorm_epsilon_training_mode", "training_mode"),
          Map.entry("test_batchnorm_example_training_mode", "training_mode"),
          Map.entry("test_training_dropout", "training_mode"),
          Map.entry("test_training_dropout_default", "training_mode"),
          Map.entry("test_training_dropout_default_mask", "mask output"),
          Map.entry("test_training_dropout_mask", "mask output"),
          Map.entry("test_training_dropout_zero_ratio", "training_mode"),
          Map.entry("test_training_dropout_zero_ratio_mask", "mask output"),
          Map.entry("test_dropout_default_mask", "mask output"),
          Map.entry("test_dropout_default_mask_ratio", "mask output"));

  /** What happened to one node test. */
  record Outcome(String test, String op, boolean passed, String detail) {}

  @Test
  void everyNodeTestOfEveryClaimedOperatorPasses() throws IOException {
    if (!Files.isDirectory(DATA)) {
      String message =
          "ONNX's node tests are not installed at "
              + DATA
              + ": apt-get install libonnx-testdata (or -Dorca.onnx.testdata=<its data/node"
              + " folder>). The conformance of the ONNX importer is NOT checked.";
      System.err.println("WARNING: " + message);
      if ("true".equals(System.getenv("CI"))) {
        fail(message + " CI installs the package in .ci/run; it is missing here.");
      }
      Assumptions.abort(message);
    }
    Set<String> claimed = claimedOps();
    List<Outcome> outcomes = new ArrayList<>();
    try (Stream<Path> dirs = Files.list(DATA)) {
      for (Path dir : dirs.sorted().toList()) {
        ModelProto model = ModelProto.parseFrom(Files.readAllBytes(dir.resolve("model.onnx")));
        Set<String> ops = new TreeSet<>();
        for (NodeProto n : model.getGraph().getNodeList()) {
          ops.add(n.getOpType());
        }
        if (!claimed.containsAll(ops)) {
          continue;
        }
        String op =
            ops.size() == 1 ? ops.iterator().next() : "(several: " + String.join(", ", ops) + ")";
        outcomes.add(run(dir, model, op));
      }
    }
    Map<String, int[]> table = new TreeMap<>();
    List<String> failures = new ArrayList<>();
    for (Outcome o : outcomes) {
      int[] counts = table.computeIfAbsent(o.op(), k -> new int[3]);
      String refusal = REFUSED.get(o.test());
      if (refusal != null) {
        counts[2]++;
        if (o.passed() || !o.detail().contains(refusal)) {
          failures.add(
              o.test()
                  + ": listed as refused ("
                  + refusal
                  + ") but "
                  + (o.passed() ? "passed" : o.detail()));
        }
      } else if (o.passed()) {
        counts[0]++;
      } else {
        counts[1]++;
        failures.add(o.test() + ": " + o.detail());
      }
    }
    StringBuilder report =
        new StringBuilder("| Operator | Passed | Failed | Refused forms |\n|---|---|---|---|\n");
    int passed = 0;
    for (Map.Entry<String, int[]> e : table.entrySet()) {
      int[] c = e.getValue();
      passed += c[0];
      report
          .append("| ")
          .append(e.getKey())
          .append(" | ")
          .append(c[0])
          .append(" | ")
          .append(c[1])
          .append(" | ")
          .append(c[2])
          .append(" |\n");
    }
    report
        .append("\n")
        .append(passed)
        .append(" of ")
        .append(outcomes.size() - REFUSED.size())
        .append(" node tests passed.\n");
    System.out.print(report);
    Files.createDirectories(Path.of("target"));
    Files.writeString(Path.of("target", "onnx-node-tests.md"), report.toString());
    for (String f : failures) {
      System.out.println("FAILED " + f);
    }
    assertTrue(
        failures.isEmpty(),
        failures.size() + " node test(s) failed:\n" + String.join("\n", failures));
    assertTrue(passed > 100, "only " + passed + " node tests ran");
  }

  private static Set<String> claimedOps() {
    return new TreeSet<>(Arrays.asList(OnnxImporter.supportedOps().split(", ")));
  }

  /** Imports one node test and compares every test data set's outputs. */
  private static Outcome run(Path dir, ModelProto model, String op) throws IOException {
    String test = dir.getFileName().toString();
    try {
      List<Path> sets;
      try (Stream<Path> s = Files.list(dir)) {
        sets =
            s.filter(p -> p.getFileName().toString().startsWith("test_data_set_"))
                .sorted()
                .toList();
      }
      for (Path set : sets) {
        ModelProto fixed = withConstantInputs(model, set);
        GraphProto g = fixed.getGraph();
        if (g.getInputCount() == 0) {
          // nothing to feed: let the importer say why
          OnnxImporter.from(fixed.toByteArray(), test)
              .optBatchFirst(false)
              .optEngine(Engine.of(Engine.Backend.JAVA, 1))
              .build()
              .close();
        }
        TensorProto x = TensorProto.parseFrom(Files.readAllBytes(set.resolve("input_0.pb")));
        try (Model m =
                OnnxImporter.from(fixed.toByteArray(), test)
                    .optBatchFirst(false)
                    .optEngine(Engine.of(Engine.Backend.JAVA, 1))
                    .build();
            Tensor in = Tensor.of(floats(x), withBatch(x))) {
          Tensor[] out = m.forward(false, in);
          if (out.length != g.getOutputCount()) {
            return new Outcome(test, op, false, out.length + " outputs for " + g.getOutputCount());
          }
          for (int k = 0; k < out.length; k++) {
            TensorProto expected =
                TensorProto.parseFrom(Files.readAllBytes(set.resolve("output_" + k + ".pb")));
            String mismatch = compare(out[k].toArray(), floats(expected));
            if (mismatch != null) {
              return new Outcome(test, op, false, "output " + k + " " + mismatch);
            }
          }
        }
      }
      return new Outcome(test, op, true, "");
    } catch (OrcaDataException | dev.orca.OrcaConfigurationException e) {
      return new Outcome(test, op, false, e.getMessage());
    }
  }

  /** The model with every input but the first turned into an initializer of the test's value. */
  static ModelProto withConstantInputs(ModelProto model, Path set) throws IOException {
    GraphProto g = model.getGraph();
    GraphProto.Builder b = g.toBuilder().clearInput();
    for (int k = 0; k < g.getInputCount(); k++) {
      ValueInfoProto in = g.getInput(k);
      if (k == 0) {
        b.addInput(in);
        continue;
      }
      TensorProto value =
          TensorProto.parseFrom(Files.readAllBytes(set.resolve("input_" + k + ".pb")));
      b.addInitializer(value.toBuilder().setName(in.getName()));
    }
    return model.toBuilder().setGraph(b).build();
  }

  private static int[] withBatch(TensorProto t) {
    int[] d = new int[t.getDimsCount() + 1];
    d[0] = 1;
    for (int i = 0; i < t.getDimsCount(); i++) {
      d[i + 1] = (int) t.getDims(i);
    }
    return d;
  }

  /** A test tensor's values as floats (float, double, integer and bool tensors). */
  static float[] floats(TensorProto t) {
    int n = 1;
    for (long d : t.getDimsList()) {
      n *= (int) d;
    }
    float[] v = new float[n];
    ByteBuffer raw = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    boolean hasRaw = t.hasRawData();
    for (int i = 0; i < n; i++) {
      switch (t.getDataType()) {
        case TensorProto.DataType.FLOAT_VALUE ->
            v[i] = hasRaw ? raw.getFloat(4 * i) : t.getFloatData(i);
        case TensorProto.DataType.DOUBLE_VALUE ->
            v[i] = (float) (hasRaw ? raw.getDouble(8 * i) : t.getDoubleData(i));
        case TensorProto.DataType.INT64_VALUE ->
            v[i] = hasRaw ? raw.getLong(8 * i) : t.getInt64Data(i);
        case TensorProto.DataType.INT32_VALUE ->
            v[i] = hasRaw ? raw.getInt(4 * i) : t.getInt32Data(i);
        case TensorProto.DataType.BOOL_VALUE -> v[i] = hasRaw ? raw.get(i) : t.getInt32Data(i);
        default -> throw new OrcaDataException("test tensor of type " + t.getDataType());
      }
    }
    return v;
  }

  /** Null when every value is within ONNX's tolerances, else the worst difference. */
  static String compare(float[] got, float[] expected) {
    if (got.length != expected.length) {
      return "has " + got.length + " values, expected " + expected.length;
    }
    for (int i = 0; i < got.length; i++) {
      double e = expected[i];
      double a = got[i];
      boolean same =
          (Double.isNaN(e) && Double.isNaN(a)) || Math.abs(a - e) <= ATOL + RTOL * Math.abs(e);
      if (!same) {
        return "element " + i + " is " + a + ", expected " + e;
      }
    }
    return null;
  }
}
