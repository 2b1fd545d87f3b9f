package dev.orca.benchmarks.nn;

import dev.orca.benchmarks.BenchmarkReport;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The same MLP, batch and optimizer in PyTorch, run as an external python3 process (Debian's
 * python3-torch). Skipped with a note when no python3 on the machine can import torch.
 */
final class TorchComparison {
  private static final List<String> PYTHONS = List.of("python3", "/usr/bin/python3");
  private static final long TIMEOUT_SECONDS = 600;

  private TorchComparison() {}

  static void run(BenchmarkReport report, int steps, int runs, double[] mklStep)
      throws IOException, InterruptedException {
    String python = findTorch();
    if (python == null) {
      report.note(
          "PyTorch: skipped, no python3 here imports torch (apt-get install -y python3-torch)");
      return;
    }
    Path script = Files.createTempFile("orca-mlp-torch", ".py");
    try (InputStream in = TorchComparison.class.getResourceAsStream("mlp_torch.py")) {
      Files.copy(in, script, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      for (int threads = 1; threads <= 2; threads++) {
        String out =
            exec(
                List.of(
                    python,
                    script.toString(),
                    String.valueOf(threads),
                    String.valueOf(steps),
                    String.valueOf(runs)));
        if (out == null) {
          report.note(
              "PyTorch "
                  + threads
                  + " thread(s): failed or timed out after "
                  + TIMEOUT_SECONDS
                  + " s");
          continue;
        }
        String[] lines = out.trim().split("\n");
        double torchStep = Double.parseDouble(lines[lines.length - 1].trim());
        report.figure(
            "PyTorch " + lines[0].trim() + ", " + threads + " thread(s)",
            MlpTrainingBenchmark.BATCH / torchStep,
            "samples/s");
        report.ratio(
            "PyTorch step time / MKL step time, " + threads + " thread(s)",
            torchStep / mklStep[threads],
            "> 1 means faster than PyTorch");
        if (threads == 1 && lines[0].contains("BLAS generic")) {
          report.note(
              "this PyTorch was built with the generic (reference) BLAS, so the ratio measures"
                  + " that BLAS against MKL more than PyTorch against this engine");
        }
      }
    } finally {
      Files.deleteIfExists(script);
    }
  }

  private static String findTorch() throws InterruptedException {
    for (String python : PYTHONS) {
      try {
        if (exec(List.of(python, "-c", "import torch")) != null) {
          return python;
        }
      } catch (IOException e) {
        // this python is not there; try the next
      }
    }
    return null;
  }

  /** The process's stdout, or null if it failed or outlived the timeout (then it is killed). */
  private static String exec(List<String> command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    try {
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS) || p.exitValue() != 0) {
        return null;
      }
      return new String(out, StandardCharsets.UTF_8);
    } finally {
      p.destroyForcibly();
    }
  }
}
