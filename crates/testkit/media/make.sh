#!/bin/sh
# Regenerates the media fixtures of aniworld_testkit::media (needs ffmpeg with libx264; run from
# this folder). The files are committed: the tests never need ffmpeg to get them.
set -eu
ffmpeg -hide_banner -loglevel error -y \
    -f lavfi -i testsrc=size=160x90:rate=10:duration=2 \
    -f lavfi -i sine=frequency=440:sample_rate=8000:duration=2 \
    -c:v libx264 -profile:v baseline -preset veryslow -crf 42 -g 10 -pix_fmt yuv420p \
    -c:a aac -b:a 8k -ac 1 \
    -map_metadata -1 -fflags +bitexact -flags +bitexact -movflags +faststart clip.mp4
ffmpeg -hide_banner -loglevel error -y -i clip.mp4 -map 0 -c copy \
    -map_metadata -1 -fflags +bitexact -f mpegts clip.ts
ffmpeg -hide_banner -loglevel error -y -i clip.mp4 -map 0 -c copy \
    -map_metadata -1 -fflags +bitexact \
    -movflags empty_moov+default_base_moof+frag_keyframe+skip_trailer -frag_duration 500000 \
    clip-frag.mp4
# The same clip as separate renditions (an HLS master whose audio is its own playlist).
ffmpeg -hide_banner -loglevel error -y -i clip.mp4 -map 0:v -c copy \
    -map_metadata -1 -fflags +bitexact -f mpegts clip-video.ts
ffmpeg -hide_banner -loglevel error -y -i clip.mp4 -map 0:a -c copy \
    -map_metadata -1 -fflags +bitexact -f mpegts clip-audio.ts
