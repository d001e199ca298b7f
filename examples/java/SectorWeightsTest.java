// `make test-java`: the JNA binding (SectorWeights.java) against the library, without a test
// framework (only JNA is needed). Prints one line per failed check and "N passed, M failed".
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

public final class SectorWeightsTest {
    private static int passed, failed;

    private static void check(boolean ok, String what) {
        if (ok) {
            passed++;
        } else {
            failed++;
            System.out.println("FAILED: " + what);
        }
    }

    /** Naive per-portfolio, per-sector sums, bond after bond (the same order as the library's). */
    static double[] reference(double[] w, int[] c, int portfolios, int sectors) {
        double[] out = new double[portfolios * sectors];
        int bonds = portfolios == 0 ? 0 : w.length / portfolios;
        for (int p = 0; p < portfolios; p++)
            for (int i = p * bonds; i < (p + 1) * bonds; i++) out[p * sectors + c[i]] += w[i];
        return out;
    }

    static boolean close(double[] a, double[] b) {
        if (a.length != b.length) return false;
        for (int i = 0; i < a.length; i++)
            if (Math.abs(a[i] - b[i]) > 1e-12 * Math.max(1, Math.abs(b[i]))) return false;
        return true;
    }

    /** The exception a call raises, or null. */
    static SectorWeights.SectorWeightsException failure(Runnable call) {
        try {
            call.run();
            return null;
        } catch (SectorWeights.SectorWeightsException e) {
            return e;
        }
    }

    public static void main(String[] args) throws Exception {
        String expected = System.getenv("SW_EXPECTED_VERSION");
        check(expected == null || expected.equals(SectorWeights.version()),
              "version " + SectorWeights.version() + ", expected " + expected);
        check(SectorWeights.statusName(0).equals("SW_OK"), "statusName(0)");
        check(SectorWeights.statusName(5).equals("SW_ERROR_NON_FINITE"), "statusName(5)");
        check(SectorWeights.statusName(999).equals("unknown status"), "statusName(999)");

        SplittableRandom random = new SplittableRandom(7);
        int[][] shapes = {{1, 1, 1}, {3, 6, 4}, {20, 5000, 18}, {2, 0, 3}, {4, 1000, 1}};
        for (int[] shape : shapes) {
            int portfolios = shape[0], bonds = shape[1], sectors = shape[2];
            String name = portfolios + "x" + bonds + "x" + sectors;
            double[] w = new double[portfolios * bonds];
            int[] c = new int[w.length];
            for (int i = 0; i < w.length; i++) {
                w[i] = random.nextDouble() - 0.25;
                c[i] = random.nextInt(sectors);
            }
            double[] checked = SectorWeights.sectorWeights(w, c, portfolios, sectors);
            check(close(checked, reference(w, c, portfolios, sectors)), name + ": checked call = reference");
            double[] dropIn = new double[portfolios * sectors];
            Arrays.fill(dropIn, 42.0);
            SectorWeights.calculateSectorWeights(w, portfolios, c, bonds, dropIn, sectors);
            check(Arrays.equals(dropIn, checked), name + ": drop-in = checked call, bit for bit");
            check(SectorWeights.lastErrorMessage().isEmpty(), name + ": no message after success");
        }

        // Errors: status name, the library's message, and the caller's output left as it was.
        double[] w = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6};
        int[] c = {0, 1, 2, 0, 25, 1};
        double[] out = new double[2 * 3];
        Arrays.fill(out, 42.0);
        SectorWeights.SectorWeightsException e = failure(() -> SectorWeights.sectorWeights(w, c, 2, 3, out));
        check(e != null && e.statusName.equals("SW_ERROR_SECTOR_OUT_OF_RANGE") && e.status == 4,
              "bad code: status " + (e == null ? "none" : e.statusName));
        check(e != null && e.getMessage().equals(
                  "SW_ERROR_SECTOR_OUT_OF_RANGE: sector code 25 at bond 1 of portfolio 1 is outside 0..3"),
              "bad code: message " + (e == null ? "none" : e.getMessage()));
        double[] untouched = new double[6];
        Arrays.fill(untouched, 42.0);
        check(Arrays.equals(out, untouched), "bad code: output untouched");
        e = failure(() -> SectorWeights.calculateSectorWeights(w, 2, c, 3, out, 3));
        check(e != null && e.statusName.equals("SW_ERROR_SECTOR_OUT_OF_RANGE"), "drop-in: bad code raises");
        check(Arrays.equals(out, untouched), "drop-in: output untouched");

        double[] nan = w.clone();
        nan[2] = Double.NaN;
        e = failure(() -> SectorWeights.sectorWeights(nan, new int[] {0, 1, 2, 0, 1, 1}, 2, 3));
        check(e != null && e.statusName.equals("SW_ERROR_NON_FINITE") && e.getMessage().contains("bond 2 of portfolio 0"),
              "NaN weight: " + (e == null ? "no error" : e.getMessage()));
        e = failure(() -> SectorWeights.sectorWeights(w, new int[] {0, 1, 2}, 2, 3));
        check(e != null && e.statusName.equals("SW_ERROR_LENGTH_MISMATCH"),
              "short sectors: " + (e == null ? "no error" : e.getMessage()));
        e = failure(() -> SectorWeights.sectorWeights(w, new int[] {0, 1, 2, -1, 1, 1}, 2, 3));
        check(e != null && e.getMessage().contains("sector code -1"), "negative code: " + (e == null ? "no error" : e.getMessage()));

        // Each thread has its own last error: failing and succeeding calls from 4 threads at once.
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<Boolean>> results = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            final int bad = 3 + t;
            results.add(pool.submit(() -> {
                for (int round = 0; round < 200; round++) {
                    int[] codes = {0, 1, 2, 0, 1, 2};
                    if (round % 2 == 1) codes[bad % 6] = 10 + bad;
                    SectorWeights.SectorWeightsException x = failure(() -> SectorWeights.sectorWeights(w, codes, 2, 3));
                    if (round % 2 == 0 && x != null) return false;
                    if (round % 2 == 1 && (x == null || !x.getMessage().contains("sector code " + (10 + bad)))) return false;
                }
                return true;
            }));
        }
        for (Future<Boolean> r : results) check(r.get(), "threads: each sees its own error");
        pool.shutdown();

        System.out.println(passed + " passed, " + failed + " failed");
        System.exit(failed == 0 ? 0 : 1);
    }
}
