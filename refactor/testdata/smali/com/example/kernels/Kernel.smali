.class public Lcom/example/kernels/Kernel;
.super Ljava/lang/Object;

# new Kernel(n).kernel(): fills new double[n][n + 1] with i*j and returns their sum.

.field public n:I

.method public constructor <init>(I)V
    .registers 2
    invoke-direct {p0}, Ljava/lang/Object;-><init>()V
    iput p1, p0, Lcom/example/kernels/Kernel;->n:I
    return-void
.end method

.method public kernel()Lcom/example/kernels/Result;
    .registers 12
    iget v0, p0, Lcom/example/kernels/Kernel;->n:I
    add-int/lit8 v1, v0, 0x1
    filled-new-array {v0, v1}, [I
    move-result-object v2
    sget-object v3, Ljava/lang/Double;->TYPE:Ljava/lang/Class;
    invoke-static {v3, v2}, Ljava/lang/reflect/Array;->newInstance(Ljava/lang/Class;[I)Ljava/lang/Object;
    move-result-object v2
    check-cast v2, [[D
    const-wide/16 v4, 0x0
    const/4 v6, 0x0
    :outer
    if-ge v6, v0, :done
    aget-object v3, v2, v6
    const/4 v7, 0x0
    :inner
    if-gt v7, v0, :next
    mul-int v8, v6, v7
    int-to-double v8, v8
    aput-wide v8, v3, v7
    add-double/2addr v4, v8
    add-int/lit8 v7, v7, 0x1
    goto :inner
    :next
    add-int/lit8 v6, v6, 0x1
    goto :outer
    :done
    new-instance v3, Lcom/example/kernels/Result;
    invoke-direct {v3, v4, v5, v0}, Lcom/example/kernels/Result;-><init>(DI)V
    return-object v3
.end method
