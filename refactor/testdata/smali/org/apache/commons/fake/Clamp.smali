.class public Lorg/apache/commons/fake/Clamp;
.super Ljava/lang/Object;

# A bundled library's helper: analysed, registered only with RegisterLibraries.

.method public static clamp(III)I
    .registers 3
    if-ge p0, p1, :low
    return p1
    :low
    if-le p0, p2, :ok
    return p2
    :ok
    return p0
.end method
