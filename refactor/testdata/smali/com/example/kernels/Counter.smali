.class public Lcom/example/kernels/Counter;
.super Ljava/lang/Object;

# new Counter().sumTo(k) = 0 + 1 + … + (k - 1).

.method public constructor <init>()V
    .registers 1
    invoke-direct {p0}, Ljava/lang/Object;-><init>()V
    return-void
.end method

.method public sumTo(I)I
    .registers 4
    const/4 v0, 0x0
    const/4 v1, 0x0
    :loop
    if-ge v1, p1, :done
    add-int/2addr v0, v1
    add-int/lit8 v1, v1, 0x1
    goto :loop
    :done
    return v0
.end method

.method public trivial()I
    .registers 2
    const/4 v0, 0x1
    return v0
.end method
