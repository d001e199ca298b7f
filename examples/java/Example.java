// `make example-java`: the article's experiment from Java (20 ETF portfolios x 50,000 bonds x 18
// sectors) through the drop-in and the checked entry point, then one bad input reported as an
// exception with the library's status name and message instead of corrupting memory.
import java.util.Arrays;
import java.util.SplittableRandom;

public final class Example {
    public static void main(String[] args) {
        final int portfolios = 20, bonds = 50_000, sectors = 18;
        SplittableRandom random = new SplittableRandom(2024);
        double[] weights = new double[portfolios * bonds];
        int[] codes = new int[portfolios * bonds];
        for (int p = 0; p < portfolios; p++) {
            double total = 0;
            for (int i = p * bonds; i < (p + 1) * bonds; i++) {
                weights[i] = random.nextDouble();
                codes[i] = random.nextInt(sectors);
                total += weights[i];
            }
            for (int i = p * bonds; i < (p + 1) * bonds; i++) weights[i] /= total;
        }

        // The article's call, as its C++ callers make it.
        double[] dropIn = new double[portfolios * sectors];
        SectorWeights.calculateSectorWeights(weights, portfolios, codes, bonds, dropIn, sectors);

        // The checked entry point: every length is checked by the library.
        long t0 = System.nanoTime();
        double[] checked = SectorWeights.sectorWeights(weights, codes, portfolios, sectors);
        double ms = (System.nanoTime() - t0) / 1e6;
        System.out.printf("sector_weights %s from Java (JNA): %d portfolios x %d bonds x %d sectors in %.2f ms%n",
                SectorWeights.version(), portfolios, bonds, sectors, ms);
        StringBuilder row = new StringBuilder();
        for (int k = 0; k < sectors; k++) row.append(String.format(" %.4f", checked[k]));
        System.out.println("portfolio 0:" + row);
        System.out.println("drop-in and checked results identical: " + Arrays.equals(dropIn, checked));

        codes[7 * bonds + 1043] = 25;
        double[] out = new double[portfolios * sectors];
        try {
            SectorWeights.sectorWeights(weights, codes, portfolios, sectors, out);
        } catch (SectorWeights.SectorWeightsException e) {
            System.out.println("bad input -> " + e.getMessage());
            System.out.println("output untouched: " + Arrays.equals(out, new double[out.length]));
        }
    }
}
