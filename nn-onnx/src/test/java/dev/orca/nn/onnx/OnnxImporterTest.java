package dev.orca.nn.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.OrcaDataException;
import dev.orca.nn.Engine;
import dev.orca.nn.Model;
import dev.orca.nn.Shape;
import dev.orca.nn.Tensor;
import dev.orca.nn.losses.Loss;
import dev.orca.nn.losses.SparseCategoricalCrossEntropy;
import dev.orca.nn.onnx.proto.OnnxIr.ModelProto;
import dev.orca.nn.onnx.proto.OnnxIr.NodeProto;
import dev.orca.nn.onnx.proto.OnnxIr.OperatorSetIdProto;
import dev.orca.nn.optim.Sgd;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** What an imported model is and does beyond its outputs: training, names, errors. */
class OnnxImporterTest {
  private static final Engine ENGINE = Engine.of(Engine.Backend.MKL, 2);

  static String[] fixtures() {
    return Fixtures.NAMES;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fixtures")
  void importedModelsTrain(String name) {
    Npy x = Fixtures.npy(name + ".input.npy");
    try (Model m =
            OnnxImporter.from(Fixtures.bytes(name + ".onnx"), name).optEngine(ENGINE).build();
        Tensor in = Tensor.of(x.values(), OnnxRuntimeAgreementTest.toInts(x.shape()))) {
      Shape out = m.outputShapes()[0];
      // models that end in (log-)probabilities learn labels; the others random targets
      boolean classes = name.equals("mlp") || name.equals("lenet");
      float[] target = new float[in.dim(0) * (classes ? 1 : out.size())];
      SplittableRandom r = new SplittableRandom(3);
      for (int i = 0; i < target.length; i++) {
        target[i] = classes ? r.nextInt(out.size()) : (float) r.nextDouble();
      }
      float[] before = m.parameterTensor().toArray();
      Loss loss =
          classes
              ? new SparseCategoricalCrossEntropy(name.equals("lenet"))
              : Loss.meanSquaredError();
      m.compile(new Sgd(0.05), loss);
      try (Tensor y =
          classes
              ? Tensor.of(target, in.dim(0))
              : Tensor.of(target, out.withBatch(in.dim(0)).dims())) {
        double first = m.trainStep(in, y);
        double last = first;
        for (int step = 0; step < 30; step++) {
          last = m.trainStep(in, y);
        }
        System.out.printf("train %-13s loss %.4f -> %.4f%n", name, first, last);
        assertTrue(last < 0.9 * first, name + ": loss went from " + first + " to " + last);
      }
      float[] after = m.parameterTensor().toArray();
      int changed = 0;
      for (int i = 0; i < before.length; i++) {
        changed += before[i] != after[i] ? 1 : 0;
      }
      assertTrue(changed > before.length / 2, name + ": only " + changed + " weights moved");
    }
  }

  @Test
  void layersAreNamedAfterTheOnnxNodesAndHoldTheirWeights() {
    try (Model m =
        OnnxImporter.from(Fixtures.bytes("lenet.onnx"), "lenet").optEngine(ENGINE).build()) {
      Tensor k = m.parameter("/features/features.0/Conv", "kernel");
      assertEquals(Shape.of(5 * 5 * 1, 6), k.shape());
      Tensor w = m.parameter("/head/head.3/Gemm", "kernel");
      assertEquals(Shape.of(64, 10), w.shape());
      assertEquals(1, m.inputNames().size());
      assertEquals("input", m.inputNames().get(0));
      assertArrayEquals(new int[] {1, 28, 28}, m.inputShapes()[0].dims());
    }
  }

  @Test
  void anUnsupportedOperatorIsNamedWithItsNodeOpsetAndTheSupportedOnes() {
    ModelProto model =
        Fixtures.model("mlp.onnx").toBuilder()
            .setGraph(
                Fixtures.model("mlp.onnx").getGraph().toBuilder()
                    .setNode(
                        1,
                        NodeProto.newBuilder()
                            .setName("my_abs")
                            .setOpType("Abs")
                            .addInput("/body/body.0/Gemm_output_0")
                            .addOutput("/body/body.1/Relu_output_0")))
            .build();
    OrcaDataException e =
        assertThrows(
            OrcaDataException.class,
            () -> OnnxImporter.from(model.toByteArray(), "abs.onnx").optEngine(ENGINE).build());
    String m = e.getMessage();
    assertTrue(
        m.contains("cannot import 'abs.onnx'")
            && m.contains("ONNX node 'my_abs' is a Abs (opset 13)")
            && m.contains("It supports: Add, AveragePool, BatchNormalization, Concat"),
        m);
  }

  @Test
  void aFormTheImporterDoesNotSupportIsRefusedWithTheReason() {
    ModelProto model =
        Fixtures.model("lstm.onnx").toBuilder()
            .setGraph(
                Fixtures.model("lstm.onnx").getGraph().toBuilder()
                    .setNode(
                        20,
                        Fixtures.model("lstm.onnx").getGraph().getNode(20).toBuilder()
                            .addAttribute(
                                dev.orca.nn.onnx.proto.OnnxIr.AttributeProto.newBuilder()
                                    .setName("direction")
                                    .setS(
                                        com.google.protobuf.ByteString.copyFromUtf8(
                                            "bidirectional")))))
            .build();
    OrcaDataException e =
        assertThrows(
            OrcaDataException.class,
            () -> OnnxImporter.from(model.toByteArray(), "bi.onnx").optEngine(ENGINE).build());
    assertTrue(
        e.getMessage()
            .contains(
                "ONNX node '/lstm/LSTM' (LSTM, opset 13) cannot be imported: direction bidirectional"),
        e.getMessage());
  }

  @Test
  void filesThatAreNotOnnxOrUseAnotherOpsetAreRefused() {
    OrcaDataException e =
        assertThrows(
            OrcaDataException.class,
            () -> OnnxImporter.from(new byte[] {(byte) 0xff, 1, 2, 3}, "junk.bin"));
    assertTrue(e.getMessage().contains("'junk.bin' is not an ONNX model file"), e.getMessage());
    ModelProto newer =
        Fixtures.model("mlp.onnx").toBuilder()
            .setOpsetImport(0, OperatorSetIdProto.newBuilder().setDomain("").setVersion(21))
            .build();
    e =
        assertThrows(
            OrcaDataException.class,
            () -> OnnxImporter.from(newer.toByteArray(), "new.onnx").optEngine(ENGINE).build());
    assertTrue(
        e.getMessage().contains("uses opset 21; the importer reads opsets 1 to 17"),
        e.getMessage());
  }

  @Test
  void theBatchIsFreeEvenWhenTheFileFixedIt() {
    // the fixtures were exported for a batch of 4; the model takes any batch
    try (Model m = OnnxImporter.from(Fixtures.bytes("mlp.onnx"), "mlp").optEngine(ENGINE).build();
        Tensor one = Tensor.zeros(1, 20);
        Tensor nine = Tensor.zeros(9, 20);
        Tensor a = m.predict(one);
        Tensor b = m.predict(nine)) {
      assertEquals(1, a.dim(0));
      assertEquals(9, b.dim(0));
      assertNotEquals(0f, a.get(0));
    }
  }
}
