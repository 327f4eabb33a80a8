package uk.ac.standrews.cs.mamoc_demo.Linpack;

import uk.ac.standrews.cs.mamoc_client.Annotation.Offloadable;

/* compiled from: Linpack.java */
@Offloadable
public class Linpack {
    private int n;
    private double mflops;
    private double seconds;
    private double residual;
    private double normalizedResidual;

    public Linpack(int n2) {
        this.n = n2;
    }

    public double run() {
        int size = this.n;
        double[][] a = new double[size][size];
        double[] b = new double[size];
        double[] x = new double[size];
        int[] ipvt = new int[size];
        double ops = ((2.0d * ((double) size) * ((double) size) * ((double) size)) / 3.0d) + (2.0d * ((double) size) * ((double) size));
        matgen(a, size, b);
        long start = System.nanoTime();
        dgefa(a, size, ipvt);
        dgesl(a, size, ipvt, b);
        this.seconds = ((double) (System.nanoTime() - start)) / 1.0E9d;
        for (int i = 0; i < size; i++) {
            x[i] = b[i];
        }
        double norma = matgen(a, size, b);
        for (int i2 = 0; i2 < size; i2++) {
            b[i2] = -b[i2];
        }
        dmxpy(size, b, x, a);
        double resid = 0.0d;
        double normx = 0.0d;
        for (int i3 = 0; i3 < size; i3++) {
            resid = Math.max(resid, Math.abs(b[i3]));
            normx = Math.max(normx, Math.abs(x[i3]));
        }
        this.residual = resid;
        this.normalizedResidual = resid / (((((double) size) * norma) * normx) * epslon(1.0d));
        if (this.seconds > 0.0d) {
            this.mflops = ops / (1000000.0d * this.seconds);
        }
        return this.normalizedResidual;
    }

    public double getMflops() {
        return this.mflops;
    }

    public double getSeconds() {
        return this.seconds;
    }

    public double getResidual() {
        return this.residual;
    }

    private static double matgen(double[][] a, int size, double[] b) {
        int init = 1325;
        double norma = 0.0d;
        for (int j = 0; j < size; j++) {
            for (int i = 0; i < size; i++) {
                init = (init * 3125) % 65536;
                a[j][i] = (((double) init) - 32768.0d) / 16384.0d;
                if (a[j][i] > norma) {
                    norma = a[j][i];
                }
            }
        }
        for (int i2 = 0; i2 < size; i2++) {
            b[i2] = 0.0d;
        }
        for (int j2 = 0; j2 < size; j2++) {
            for (int i3 = 0; i3 < size; i3++) {
                b[i3] = b[i3] + a[j2][i3];
            }
        }
        return norma;
    }

    private static int dgefa(double[][] a, int size, int[] ipvt) {
        int info = 0;
        for (int k = 0; k < size - 1; k++) {
            double[] colk = a[k];
            int kp1 = k + 1;
            int l = idamax(size - k, colk, k) + k;
            ipvt[k] = l;
            if (colk[l] != 0.0d) {
                if (l != k) {
                    double t = colk[l];
                    colk[l] = colk[k];
                    colk[k] = t;
                }
                dscal(size - kp1, -1.0d / colk[k], colk, kp1);
                for (int j = kp1; j < size; j++) {
                    double[] colj = a[j];
                    double t2 = colj[l];
                    if (l != k) {
                        colj[l] = colj[k];
                        colj[k] = t2;
                    }
                    daxpy(size - kp1, t2, colk, kp1, colj, kp1);
                }
            } else {
                info = k;
            }
        }
        ipvt[size - 1] = size - 1;
        if (a[size - 1][size - 1] == 0.0d) {
            info = size - 1;
        }
        return info;
    }

    private static void dgesl(double[][] a, int size, int[] ipvt, double[] b) {
        for (int k = 0; k < size - 1; k++) {
            int l = ipvt[k];
            double t = b[l];
            if (l != k) {
                b[l] = b[k];
                b[k] = t;
            }
            daxpy(size - (k + 1), t, a[k], k + 1, b, k + 1);
        }
        for (int kb = 0; kb < size; kb++) {
            int k2 = size - (kb + 1);
            b[k2] = b[k2] / a[k2][k2];
            daxpy(k2, -b[k2], a[k2], 0, b, 0);
        }
    }

    private static void daxpy(int count, double da, double[] dx, int dxOff, double[] dy, int dyOff) {
        if (count > 0 && da != 0.0d) {
            for (int i = 0; i < count; i++) {
                dy[i + dyOff] = dy[i + dyOff] + (dx[i + dxOff] * da);
            }
        }
    }

    private static void dscal(int count, double da, double[] dx, int dxOff) {
        for (int i = 0; i < count; i++) {
            dx[i + dxOff] = dx[i + dxOff] * da;
        }
    }

    private static int idamax(int count, double[] dx, int dxOff) {
        if (count < 1) {
            return -1;
        }
        int itemp = 0;
        double dmax = Math.abs(dx[dxOff]);
        for (int i = 1; i < count; i++) {
            double v = Math.abs(dx[i + dxOff]);
            if (v > dmax) {
                itemp = i;
                dmax = v;
            }
        }
        return itemp;
    }

    private static void dmxpy(int size, double[] y, double[] x, double[][] m) {
        for (int j = 0; j < size; j++) {
            for (int i = 0; i < size; i++) {
                y[i] = y[i] + (x[j] * m[j][i]);
            }
        }
    }

    private static double epslon(double x) {
        double a = 1.3333333333333333d;
        double eps = 0.0d;
        while (eps == 0.0d) {
            double b = a - 1.0d;
            double c = b + b + b;
            eps = Math.abs(c - 1.0d);
        }
        return Math.abs(x) * eps;
    }
}
