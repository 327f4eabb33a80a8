.class public Lcom/example/kernels/Result;
.super Ljava/lang/Object;

.field public n:I
.field public sum:D

.method public constructor <init>(DI)V
    .registers 4
    invoke-direct {p0}, Ljava/lang/Object;-><init>()V
    iput-wide p1, p0, Lcom/example/kernels/Result;->sum:D
    iput p3, p0, Lcom/example/kernels/Result;->n:I
    return-void
.end method
