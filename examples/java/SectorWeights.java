// sector_weights from Java through JNA (Debian: libjna-java, /usr/share/java/jna.jar): the article's
// drop-in calculate_sector_weights and the checked sw_sector_weights of the C library
// libsector_weights, each failure raised as a SectorWeightsException with the library's status
// name (sw_status_name) and message (sw_last_error_message).
//
// The library is loaded once, from $SECTOR_WEIGHTS_LIBRARY if set, else by name
// ("sector_weights": jna.library.path, then the system's library path, e.g. after `make install`).
// Each C function is declared once below, next to its prototype from include/sector_weights.h.
import com.sun.jna.IntegerType;
import com.sun.jna.Library;
import com.sun.jna.Native;
import java.nio.charset.StandardCharsets;

public final class SectorWeights {
    private SectorWeights() {}

    /** C's size_t, as wide as the platform's. */
    public static final class SizeT extends IntegerType {
        private static final long serialVersionUID = 1L;

        public SizeT() { this(0); }
        public SizeT(long value) { super(Native.SIZE_T_SIZE, value, true); }
    }

    /** The C functions used here (SwStatus is an int32_t; uintmax_t is 64 bits). */
    interface Lib extends Library {
        // SwStatus calculate_sector_weights(const double *portfolios_bond_weights, uintmax_t pf_size,
        //     const int32_t *portfolios_bond_sectors, uintmax_t num_bonds,
        //     double *portfolios_sector_weights, uintmax_t num_sectors);
        int calculate_sector_weights(double[] weights, long pfSize, int[] sectors, long numBonds,
                                     double[] out, long numSectors);

        // SwStatus sw_sector_weights(const double *weights, size_t weights_len, const int32_t *sectors,
        //     size_t sectors_len, size_t num_portfolios, size_t num_sectors, double *out, size_t out_len);
        int sw_sector_weights(double[] weights, SizeT weightsLen, int[] sectors, SizeT sectorsLen,
                              SizeT numPortfolios, SizeT numSectors, double[] out, SizeT outLen);

        // const char *sw_status_name(int32_t status);
        String sw_status_name(int status);

        // size_t sw_last_error_message(char *buf, size_t len);
        SizeT sw_last_error_message(byte[] buf, SizeT len);

        // const char *sw_version(void);
        String sw_version();
    }

    static final Lib LIB = load();

    private static Lib load() {
        String path = System.getenv("SECTOR_WEIGHTS_LIBRARY");
        return Native.load(path != null && !path.isEmpty() ? path : "sector_weights", Lib.class);
    }

    /** A status other than SW_OK: its number, its C name and the library's message. */
    public static final class SectorWeightsException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        public final int status;
        public final String statusName;

        SectorWeightsException(int status, String statusName, String message) {
            super(statusName + ": " + message);
            this.status = status;
            this.statusName = statusName;
        }
    }

    /** The library's version, e.g. "0.1.0". */
    public static String version() { return LIB.sw_version(); }

    /** The C name of a status, e.g. "SW_ERROR_NON_FINITE" for 5. */
    public static String statusName(int status) { return LIB.sw_status_name(status); }

    /** This thread's last error message ("" after a successful call). */
    public static String lastErrorMessage() {
        int length = (int) LIB.sw_last_error_message(null, new SizeT(0)).longValue();
        byte[] buf = new byte[length + 1];
        LIB.sw_last_error_message(buf, new SizeT(buf.length));
        return new String(buf, 0, length, StandardCharsets.UTF_8);
    }

    static void check(int status) {
        if (status != 0) throw new SectorWeightsException(status, statusName(status), lastErrorMessage());
    }

    /**
     * The article's call: weights and sectors hold numPortfolios portfolios of numBonds bonds each,
     * portfolio after portfolio; out receives numPortfolios rows of numSectors sums. The drop-in
     * cannot check that the arrays are that long (the C function has no lengths): this wrapper does.
     */
    public static void calculateSectorWeights(double[] weights, long numPortfolios, int[] sectors,
                                              long numBonds, double[] out, long numSectors) {
        if (weights.length != numPortfolios * numBonds || sectors.length != weights.length
                || out.length != numPortfolios * numSectors) {
            throw new IllegalArgumentException("array lengths do not match the sizes given");
        }
        check(LIB.calculate_sector_weights(weights, numPortfolios, sectors, numBonds, out, numSectors));
    }

    /**
     * Per-sector sums of numPortfolios equal-sized portfolios (weights and sectors portfolio after
     * portfolio), every length checked by the library: numPortfolios * numSectors sums, row by row.
     * On an error nothing is returned and the library's message says what and where.
     */
    public static double[] sectorWeights(double[] weights, int[] sectors, int numPortfolios, int numSectors) {
        double[] out = new double[Math.multiplyExact(numPortfolios, numSectors)];
        sectorWeights(weights, sectors, numPortfolios, numSectors, out);
        return out;
    }

    /** The same into a caller's array, which is left exactly as it was on an error. */
    public static void sectorWeights(double[] weights, int[] sectors, int numPortfolios, int numSectors,
                                     double[] out) {
        check(LIB.sw_sector_weights(weights, new SizeT(weights.length), sectors, new SizeT(sectors.length),
                new SizeT(numPortfolios), new SizeT(numSectors), out, new SizeT(out.length)));
    }
}
